//! Provider conformance against hostile providers: silent, slow-dripping, 100 MB bodies, gzip bombs, redirects to
//! other hosts and private addresses, HTML and broken JSON, paging loops and absurd counts, OAuth endpoints at
//! addresses the harness must not contact. Every run must end in findings or errors that say where, within its
//! budget, with bounded reads, no redirect followed and no check lost.
//!
//! Servers are wiremock where it can misbehave enough, and a small raw HTTP/1.1 server (below) where it cannot:
//! never answering, dripping, streaming bodies far larger than anyone should read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clr_harness::api::{self, AuthMode, Family, Hooks, Target, Upload};
use clr_harness::engine::Options;
use clr_harness::fetch::RECORDED_BODY_BYTES;
use clr_reports::{CheckResult, Exchange, Outcome, Subject};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Pages one listing walk reads at most (`resources::MAX_PAGES`).
const MAX_PAGES: usize = 50;
const HUNDRED_MB: u64 = 100 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// Running the harness

/// A target with small limits, so a hostile provider costs seconds, not minutes.
fn target(base_url: &str, specs: &[Family]) -> Target {
    let mut t = Target::new(base_url);
    t.specs = specs.iter().map(|f| (*f).into()).collect();
    t.limits.connect_timeout_secs = Some(2);
    t.limits.request_timeout_secs = Some(2);
    t.limits.run_timeout_secs = Some(60);
    t
}

/// Pre-issued tokens, so a provider without a working OAuth server still gets its API checked.
fn with_token(mut t: Target) -> Target {
    t.auth.mode = AuthMode::Token;
    t.auth.access_token = Some("hostile-test-token".into());
    t
}

/// The provider run and the subjects it yields, exactly as `clr-harness run` does it: `api::run` on the runtime,
/// `api::into_subjects` outside it. `HOSTILE_DEBUG=1` prints every exchange and result (with `--nocapture`).
async fn conformance(target: &Target) -> (Vec<Exchange>, Vec<Subject>) {
    let started = Instant::now();
    let log = |line: &str| eprintln!("  {line}");
    let run = api::run(target, Upload::samples(), &Hooks::default(), &log).await;
    eprintln!("provider run against {} took {:?}", target.base_url, started.elapsed());
    let exchanges = run.exchanges.clone();
    let subjects = tokio::task::spawn_blocking(move || api::into_subjects(run, &Options::default()))
        .await
        .expect("into_subjects does not panic");
    assert_complete(&subjects, &target.families());
    if std::env::var_os("HOSTILE_DEBUG").is_some() {
        for e in &exchanges {
            eprintln!("{} {} {} -> {:?} {:?}", e.id, e.method, e.url, e.status, e.error);
        }
        for r in subjects.iter().flat_map(|s| s.results.iter()) {
            eprintln!("{} {:?}: {}", r.check, r.outcome, said(r));
        }
    }
    (exchanges, subjects)
}

/// A subject for the OAuth server and one per claimed API, each with a result for every one of its checks.
fn assert_complete(subjects: &[Subject], specs: &[Family]) {
    let ids = |checks: Vec<&str>| {
        let mut v: Vec<String> = checks.into_iter().map(str::to_string).collect();
        v.sort();
        v
    };
    let results = |id: &str| {
        let s = subjects
            .iter()
            .find(|s| s.id == id)
            .unwrap_or_else(|| panic!("no subject {id}"));
        ids(s.results.iter().map(|r| r.check.as_str()).collect())
    };
    assert_eq!(
        results("provider-oauth"),
        ids(api::provider_checks(&[]).map(|c| c.id).collect()),
        "every OAuth check has a result"
    );
    for f in specs {
        let want = ids(api::provider_checks(std::slice::from_ref(f))
            .map(|c| c.id)
            .filter(|id| !id.starts_with("OAUTH-"))
            .collect());
        assert_eq!(
            results(&format!("provider-{}", f.prefix().to_lowercase())),
            want,
            "every {} check has a result",
            f.label()
        );
    }
}

fn result<'a>(subjects: &'a [Subject], check: &str) -> &'a CheckResult {
    subjects
        .iter()
        .flat_map(|s| s.results.iter())
        .find(|r| r.check == check)
        .unwrap_or_else(|| panic!("{check} has no result"))
}

/// Everything a result says, for substring assertions.
fn said(r: &CheckResult) -> String {
    let mut parts: Vec<String> = r.note.iter().cloned().collect();
    for f in &r.findings {
        parts.push(f.message.clone());
        parts.extend(f.location.http.clone());
        parts.extend(f.expected.clone());
        parts.extend(f.actual.clone());
    }
    parts.join(" | ")
}

fn assert_outcome(subjects: &[Subject], check: &str, outcome: Outcome, needles: &[&str]) {
    let r = result(subjects, check);
    let text = said(r);
    assert_eq!(r.outcome, outcome, "{check}: {text}");
    for n in needles {
        assert!(text.contains(n), "{check} should mention {n:?}: {text}");
    }
}

/// Some finding of `check` has `expected` and `actual` containing the given texts.
fn assert_expected_found(subjects: &[Subject], check: &str, expected: &str, found: &str) {
    let r = result(subjects, check);
    assert!(
        r.findings.iter().any(|f| {
            f.expected.as_deref().is_some_and(|e| e.contains(expected))
                && f.actual.as_deref().is_some_and(|a| a.contains(found))
        }),
        "{check} should expect {expected:?} and find {found:?}: {:#?}",
        r.findings
    );
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default()
}

/// Nothing but the target (on loopback) answered: exchanges elsewhere were refused before any connection.
fn assert_only_target_answered(exchanges: &[Exchange]) {
    for e in exchanges {
        if host_of(&e.url) != "127.0.0.1" {
            assert_eq!(e.status, None, "{} {} must not have been contacted", e.method, e.url);
            let error = e.error.as_deref().unwrap_or_default();
            assert!(error.contains("not contacted"), "{}: {error}", e.url);
        }
    }
}

fn requests_to<'a>(exchanges: &'a [Exchange], method: &str, path: &str) -> Vec<&'a Exchange> {
    exchanges
        .iter()
        .filter(|e| e.method == method && url::Url::parse(&e.url).is_ok_and(|u| u.path() == path))
        .collect()
}

// ---------------------------------------------------------------------------------------------------------------
// A provider that behaves

fn scopes(family: Family) -> Value {
    let m: serde_json::Map<String, Value> = api::target::SCOPE_OPS
        .iter()
        .map(|op| (family.scope(op), json!(op)))
        .collect();
    Value::Object(m)
}

/// A complete Service Description Document with the given OAuth URLs.
fn sdd(family: Family, registration: &str, authorization: &str, token: &str) -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {
            "title": "Hostile provider",
            "version": "1.0",
            "termsOfService": "https://provider.example/tos",
            "x-imssf-privacyPolicyUrl": "https://provider.example/privacy"
        },
        "components": {"securitySchemes": {"OAuth2ACG": {
            "type": "oauth2",
            "x-imssf-registrationUrl": registration,
            "flows": {"authorizationCode": {
                "authorizationUrl": authorization,
                "tokenUrl": token,
                "scopes": scopes(family)
            }}
        }}}
    })
}

fn json_body(v: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(v.to_string(), "application/json")
}

async fn mount_sdd(server: &MockServer, family: Family, doc: Value) {
    Mock::given(method("GET"))
        .and(path(format!("{}/discovery", family.path())))
        .respond_with(json_body(&doc))
        .mount(server)
        .await;
}

/// Dynamic registration that echoes the request as RFC 7591 wants.
struct Registration;

impl Respond for Registration {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut body: Value = serde_json::from_slice(&req.body).unwrap_or_else(|_| json!({}));
        if body.get("client_name").is_none() {
            return ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_client_metadata"}));
        }
        body["client_id"] = json!("hostile-client");
        body["client_secret"] = json!("hostile-secret");
        body["client_id_issued_at"] = json!(1_700_000_000);
        body["client_secret_expires_at"] = json!(0);
        ResponseTemplate::new(201).set_body_json(body)
    }
}

/// An authorization endpoint that approves at once (auto-consent), refusing what RFC 6749 / 7636 say to refuse.
struct AutoConsent;

impl Respond for AutoConsent {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: std::collections::HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let get = |k: &str| q.get(k).cloned().unwrap_or_default();
        let redirect = get("redirect_uri");
        if !redirect.starts_with("http://127.0.0.1:") {
            return ResponseTemplate::new(400).set_body_string("unregistered redirect_uri");
        }
        let mut to = url::Url::parse(&redirect).expect("a loopback redirect URI");
        {
            let mut pairs = to.query_pairs_mut();
            pairs.append_pair("state", &get("state"));
            if get("code_challenge_method") != "S256" || get("code_challenge").is_empty() {
                pairs.append_pair("error", "invalid_request");
            } else if get("scope").contains("unknown") {
                pairs.append_pair("error", "invalid_scope");
            } else {
                pairs.append_pair("code", "hostile-code");
                pairs.append_pair("scope", &get("scope"));
            }
        }
        ResponseTemplate::new(302).insert_header("Location", to.as_str())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// A raw HTTP/1.1 server that can misbehave in ways wiremock cannot

#[derive(Clone)]
enum Answer {
    /// A complete response, then the connection closes.
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Accepts the request and never answers; holds the connection until the client gives up.
    Silent,
    /// Sends the head at once, then the body one byte every 200 ms, forever.
    Drip,
    /// Raw bytes as the whole answer (a malformed head, say), then the connection closes.
    Garbage(Vec<u8>),
    /// A body of `total` bytes, streamed in 64 KiB chunks (never held in memory), with a Content-Length or chunked.
    Huge { total: u64, chunked: bool },
}

fn not_found() -> Answer {
    Answer::Full {
        status: 404,
        headers: vec![("content-type", "application/json".into())],
        body: br#"{"imsx_codeMajor":"failure","imsx_severity":"error"}"#.to_vec(),
    }
}

struct RawServer {
    base_url: String,
    /// The most body bytes one Huge answer managed to write before the client hung up.
    most_sent: Arc<AtomicU64>,
}

async fn raw_server(route: impl Fn(&str, &str) -> Answer + Send + Sync + 'static) -> RawServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base_url = format!("http://{}", listener.local_addr().expect("address"));
    let most_sent = Arc::new(AtomicU64::new(0));
    let route = Arc::new(route);
    let counter = most_sent.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (route, counter) = (route.clone(), counter.clone());
            tokio::spawn(async move {
                let _ = serve(stream, &*route, &counter).await;
            });
        }
    });
    RawServer { base_url, most_sent }
}

async fn serve(
    mut stream: TcpStream,
    route: &(dyn Fn(&str, &str) -> Answer + Send + Sync),
    most_sent: &AtomicU64,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Ok(());
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut words = head.split_whitespace();
    let (m, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    // Read (and drop) the request body so the client is not stuck writing it.
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut remaining = length.saturating_sub(buf.len() - head_end);
    while remaining > 0 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        remaining = remaining.saturating_sub(n);
    }
    match route(m, path) {
        Answer::Full { status, headers, body } => {
            let mut out = format!(
                "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (n, v) in headers {
                out.push_str(&format!("{n}: {v}\r\n"));
            }
            out.push_str("\r\n");
            stream.write_all(out.as_bytes()).await?;
            stream.write_all(&body).await?;
            stream.shutdown().await
        }
        Answer::Garbage(bytes) => {
            stream.write_all(&bytes).await?;
            stream.shutdown().await
        }
        Answer::Silent => {
            // Read until the client hangs up; answer nothing.
            while stream.read(&mut chunk).await? > 0 {}
            Ok(())
        }
        Answer::Drip => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n")
                .await?;
            loop {
                stream.write_all(b" ").await?;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Answer::Huge { total, chunked } => {
            let framing = if chunked {
                "transfer-encoding: chunked".to_string()
            } else {
                format!("content-length: {total}")
            };
            let head =
                format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{framing}\r\nconnection: close\r\n\r\n");
            stream.write_all(head.as_bytes()).await?;
            // A JSON string that never ends: `{"credential": "aaaa…`.
            let mut piece = vec![b'a'; 64 * 1024];
            piece[..16].copy_from_slice(br#"{"credential": ""#);
            let mut sent = 0u64;
            let result = async {
                while sent < total {
                    let n = (total - sent).min(piece.len() as u64) as usize;
                    if chunked {
                        stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                    }
                    stream.write_all(&piece[..n]).await?;
                    if chunked {
                        stream.write_all(b"\r\n").await?;
                    }
                    sent += n as u64;
                    piece[..16].fill(b'a');
                }
                if chunked {
                    stream.write_all(b"0\r\n\r\n").await?;
                }
                Ok::<(), std::io::Error>(())
            }
            .await;
            most_sent.fetch_max(sent, Ordering::Relaxed);
            result
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The hostile providers

/// Accepts every connection and never answers: each request ends at its deadline as an Error naming the timeout,
/// and the run ends at its budget with what it did not reach reported as Error, never as a provider failure. The
/// request in flight when the budget runs out is still recorded, as abandoned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_never_answers_ends_in_errors_within_the_budget() {
    let server = raw_server(|_, _| Answer::Silent).await;
    let mut t = with_token(target(&server.base_url, &[Family::Ob30, Family::Clr20]));
    // Two discoveries time out at 2 s each; the budget ends the run in the middle of the third request.
    t.limits.request_timeout_secs = Some(2);
    t.limits.run_timeout_secs = Some(5);
    let (exchanges, subjects) = conformance(&t).await;

    for check in ["OB30-API-001", "CLR20-API-001"] {
        assert_outcome(&subjects, check, Outcome::Error, &["no response within 2s"]);
    }
    for check in ["OB30-API-008", "CLR20-API-008", "OB30-API-019"] {
        assert_outcome(&subjects, check, Outcome::Error, &["time budget (5 s) ran out"]);
    }
    // A silent provider is an outage, not a conformance failure: only the plain-http base URL is a finding.
    for r in subjects.iter().flat_map(|s| s.results.iter()) {
        if matches!(r.outcome, Outcome::Fail | Outcome::Warn) {
            assert!(
                r.check.ends_with("-API-023"),
                "{} {:?}: {}",
                r.check,
                r.outcome,
                said(r)
            );
        }
    }
    let errors: Vec<(&str, &str)> = exchanges
        .iter()
        .map(|e| {
            assert_eq!(e.status, None, "{} {}", e.method, e.url);
            (e.url.as_str(), e.error.as_deref().unwrap_or_default())
        })
        .collect();
    let timed_out = errors
        .iter()
        .filter(|(_, e)| e.contains("no response within 2s"))
        .count();
    let abandoned: Vec<&str> = errors
        .iter()
        .filter(|(_, e)| e.contains("abandoned") && e.contains("time budget"))
        .map(|(u, _)| *u)
        .collect();
    assert_eq!(timed_out, 2, "{errors:?}");
    assert_eq!(
        abandoned,
        [format!("{}/ims/ob/v3p0/credentials", server.base_url)],
        "the request the budget cut short is recorded: {errors:?}"
    );
}

/// Sends its head at once and then one byte every 200 ms: the request deadline covers the body too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_drips_its_answer_is_cut_off_at_the_deadline() {
    let server = raw_server(|_, p| {
        if p.ends_with("/discovery") {
            Answer::Drip
        } else {
            not_found()
        }
    })
    .await;
    let mut t = with_token(target(&server.base_url, &[Family::Ob30]));
    t.limits.request_timeout_secs = Some(1);
    let (exchanges, subjects) = conformance(&t).await;

    assert_outcome(&subjects, "OB30-API-001", Outcome::Error, &["no response within 1s"]);
    // The run went on past the stalled request and judged what answered.
    assert_outcome(
        &subjects,
        "OB30-API-008",
        Outcome::Fail,
        &["getCredentials answered 404"],
    );
    let discovery = requests_to(&exchanges, "GET", "/ims/ob/v3p0/discovery");
    assert!(!discovery.is_empty());
    for e in discovery {
        assert!(
            e.error.as_deref().is_some_and(|m| m.contains("no response within 1s")),
            "{e:?}"
        );
    }
}

/// 100 MB bodies (Content-Length on discovery, chunked on getCredentials): the harness reads `max_body_bytes`,
/// reports the body as over the limit, records a capped body and hangs up, so the server never gets to send it all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_megabyte_body_is_read_up_to_the_limit_only() {
    let server = raw_server(|m, p| match (m, p) {
        ("GET", p) if p.ends_with("/discovery") => Answer::Huge {
            total: HUNDRED_MB,
            chunked: false,
        },
        ("GET", p) if p.ends_with("/credentials") => Answer::Huge {
            total: HUNDRED_MB,
            chunked: true,
        },
        _ => not_found(),
    })
    .await;
    let mut t = with_token(target(&server.base_url, &[Family::Ob30]));
    t.limits.max_body_bytes = Some(64 * 1024);
    t.limits.request_timeout_secs = Some(10);
    let (exchanges, subjects) = conformance(&t).await;

    assert_outcome(
        &subjects,
        "OB30-API-001",
        Outcome::Fail,
        &["larger than the 65536 byte limit"],
    );
    assert_outcome(
        &subjects,
        "OB30-API-008",
        Outcome::Fail,
        &["larger than the 65536 byte limit"],
    );
    for path in ["/ims/ob/v3p0/discovery", "/ims/ob/v3p0/credentials"] {
        let gets = requests_to(&exchanges, "GET", path);
        assert!(!gets.is_empty(), "{path} was requested");
        for e in gets {
            assert_eq!(e.status, Some(200), "{path}: {:?}", e.error);
            assert!(
                e.response_body_truncated,
                "{path}: the recorded body is marked truncated"
            );
            let recorded = e.response_body.as_deref().unwrap_or_default();
            assert!(
                recorded.len() <= RECORDED_BODY_BYTES,
                "{path}: {} bytes recorded",
                recorded.len()
            );
        }
    }
    let most = server.most_sent.load(Ordering::Relaxed);
    eprintln!("the most one 100 MB answer could send: {most} bytes");
    assert!(
        most < HUNDRED_MB,
        "the harness stopped reading, so no 100 MB answer was sent in full"
    );
}

/// `Content-Encoding: gzip` with 8 KiB that inflate to 8 MiB: never asked for, never inflated; the body is read as
/// the bytes it is, which are not JSON.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_is_not_inflated() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..8 {
        gz.write_all(&zeros).expect("compress");
    }
    let bomb = gz.finish().expect("compress");
    eprintln!("gzip bomb: {} bytes inflating to 8 MiB", bomb.len());
    assert!(bomb.len() < RECORDED_BODY_BYTES);
    let answer = Answer::Full {
        status: 200,
        headers: vec![
            ("content-type", "application/json".into()),
            ("content-encoding", "gzip".into()),
        ],
        body: bomb.clone(),
    };
    let server = raw_server(move |m, p| {
        if m == "GET" && (p.ends_with("/discovery") || p.ends_with("/credentials")) {
            answer.clone()
        } else {
            not_found()
        }
    })
    .await;
    let mut t = with_token(target(&server.base_url, &[Family::Ob30]));
    t.limits.max_body_bytes = Some(1024 * 1024);
    let (exchanges, subjects) = conformance(&t).await;

    assert_outcome(&subjects, "OB30-API-001", Outcome::Fail, &["not JSON"]);
    assert_outcome(&subjects, "OB30-API-008", Outcome::Fail, &["not JSON"]);
    assert!(
        !said(result(&subjects, "OB30-API-001")).contains("larger than"),
        "the bomb was not inflated"
    );
    for path in ["/ims/ob/v3p0/discovery", "/ims/ob/v3p0/credentials"] {
        let gets = requests_to(&exchanges, "GET", path);
        assert!(!gets.is_empty(), "{path} was requested");
        for e in gets {
            assert!(
                !e.request_headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("accept-encoding")),
                "compression is not asked for"
            );
            assert_eq!(e.status, Some(200));
            assert!(!e.response_body_truncated, "the raw body is small");
            let recorded = e.response_body.as_deref().unwrap_or_default();
            assert!(recorded.starts_with('\u{1f}'), "the raw gzip bytes are what was read");
            assert!(recorded.len() < 4 * bomb.len(), "{} bytes recorded", recorded.len());
        }
    }
}

/// Redirects to the cloud metadata address, a private address and another host, and a `Link: rel=next` to a
/// private address: none is followed; the checks fail with the status they got, or say the harness refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_elsewhere_are_never_followed() {
    let server = MockServer::start().await;
    let redirect = |status: u16, to: &str| ResponseTemplate::new(status).insert_header("Location", to);
    for (p, answer) in [
        (
            "/ims/ob/v3p0/discovery",
            redirect(302, "http://169.254.169.254/latest/meta-data"),
        ),
        ("/ims/clr/v2p0/discovery", redirect(307, "http://10.0.0.1/")),
        (
            "/ims/ob/v3p0/credentials",
            redirect(301, "https://evil.example/ims/ob/v3p0/credentials"),
        ),
        (
            "/ims/clr/v2p0/credentials",
            json_body(&json!({"credential": []})).insert_header(
                "Link",
                r#"<http://10.0.0.1/ims/clr/v2p0/credentials?limit=1&offset=1>; rel="next""#,
            ),
        ),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    let t = with_token(target(&server.uri(), &[Family::Ob30, Family::Clr20]));
    let (exchanges, subjects) = conformance(&t).await;

    assert_outcome(&subjects, "OB30-API-001", Outcome::Fail, &["→ 302"]);
    assert_expected_found(&subjects, "OB30-API-001", "200", "302");
    // CLR 2.0 API rules are inferred: a violation is a warning.
    assert_outcome(&subjects, "CLR20-API-001", Outcome::Warn, &["→ 307"]);
    assert_expected_found(&subjects, "CLR20-API-001", "200", "307");
    assert_outcome(
        &subjects,
        "OB30-API-008",
        Outcome::Fail,
        &["getCredentials answered 301"],
    );
    assert_outcome(
        &subjects,
        "CLR20-API-008",
        Outcome::Warn,
        &["must not contact", "http://10.0.0.1/ims/clr/v2p0/credentials"],
    );
    for e in &exchanges {
        assert!(
            !e.url.contains("169.254.169.254") && !e.url.contains("evil.example"),
            "a redirect was followed: {} {}",
            e.method,
            e.url
        );
    }
    assert_only_target_answered(&exchanges);
    let received = server.received_requests().await.unwrap_or_default();
    assert!(
        received.iter().all(|r| r.url.path().starts_with("/ims/")),
        "only the API was asked"
    );
}

/// HTML where JSON belongs, JSON cut short, JSON labelled text/plain or not at all: findings that say what was
/// expected and what came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_broken_json_and_wrong_labels_are_findings() {
    let server = MockServer::start().await;
    let html = "<!doctype html><html><body><h1>Welcome to our portal</h1></body></html>";
    let page = ResponseTemplate::new(200).set_body_raw(html, "text/html");
    let empty = r#"{"credential": []}"#;
    for (p, answer) in [
        ("/ims/ob/v3p0/discovery", page.clone()),
        (
            "/ims/clr/v2p0/discovery",
            ResponseTemplate::new(200).set_body_raw(r#"{"openapi": "3.0.1", "info": {"#, "application/json"),
        ),
        (
            "/ims/ob/v3p0/credentials",
            ResponseTemplate::new(200).set_body_raw(empty, "text/plain"),
        ),
        (
            "/ims/clr/v2p0/credentials",
            ResponseTemplate::new(200).set_body_bytes(empty),
        ),
        ("/ims/ob/v3p0/profile", page),
    ] {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    let t = with_token(target(&server.uri(), &[Family::Ob30, Family::Clr20]));
    let (_, subjects) = conformance(&t).await;

    assert_outcome(
        &subjects,
        "OB30-API-001",
        Outcome::Fail,
        &["not JSON", "<!doctype html>"],
    );
    assert_expected_found(
        &subjects,
        "OB30-API-001",
        "200 with the Service Description Document",
        "not JSON",
    );
    assert_outcome(&subjects, "CLR20-API-001", Outcome::Warn, &["not JSON", "EOF"]);
    assert_outcome(&subjects, "OB30-API-007", Outcome::Fail, &["labelled text/plain"]);
    assert_expected_found(&subjects, "OB30-API-007", "application/json", "text/plain");
    assert_outcome(&subjects, "CLR20-API-007", Outcome::Warn, &["labelled nothing"]);
    assert_expected_found(&subjects, "CLR20-API-007", "application/json", "no Content-Type");
    assert_outcome(&subjects, "OB30-API-019", Outcome::Fail, &["did not answer a Profile"]);
    assert_expected_found(&subjects, "OB30-API-019", "Profile", "<!doctype html>");
}

/// OB 3.0: rel=next points back at the page itself, and with paging parameters into a two-page cycle.
struct LoopingPages;

impl Respond for LoopingPages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: std::collections::HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let next = match (q.get("page").map(String::as_str), q.contains_key("limit")) {
            (Some("a"), _) => "?page=b".to_string(),
            (Some(_), _) => "?page=a".to_string(),
            (None, true) => "?page=a".to_string(),
            // Absolute path of the page itself (wiremock sees the host as `localhost`).
            (None, false) => req.url.path().to_string(),
        };
        json_body(&json!({"credential": []}))
            .insert_header("Link", format!(r#"<{next}>; rel="next""#))
            .insert_header("X-Total-Count", "0")
    }
}

/// CLR 2.0: a trillion credentials claimed and a rel=next that always leads one page further.
struct EndlessPages;

impl Respond for EndlessPages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let offset: u64 = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "offset")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let link = format!(
            r#"<?limit=1&offset={}>; rel="next", <?limit=1&offset=0>; rel="first", <?limit=1&offset=999999999999>; rel="last""#,
            offset + 1
        );
        json_body(&json!({"credential": []}))
            .insert_header("Link", link)
            .insert_header("X-Total-Count", "1000000000000")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_loops_and_absurd_counts_stop_the_walk() {
    let server = MockServer::start().await;
    let base = server.uri();
    for f in [Family::Ob30, Family::Clr20] {
        let reg = format!("{base}/register");
        mount_sdd(
            &server,
            f,
            sdd(f, &reg, &format!("{base}/authorize"), &format!("{base}/token")),
        )
        .await;
    }
    Mock::given(method("GET"))
        .and(path("/ims/ob/v3p0/credentials"))
        .respond_with(LoopingPages)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/ims/clr/v2p0/credentials"))
        .respond_with(EndlessPages)
        .mount(&server)
        .await;
    let t = with_token(target(&base, &[Family::Ob30, Family::Clr20]));
    let (exchanges, subjects) = conformance(&t).await;

    assert_outcome(&subjects, "OB30-API-001", Outcome::Pass, &[]);
    assert_outcome(&subjects, "OB30-API-012", Outcome::Fail, &["already read"]);
    assert!(
        said(result(&subjects, "OB30-API-008")).contains("leads back to"),
        "the self-referencing first page is reported too"
    );
    assert_outcome(&subjects, "CLR20-API-010", Outcome::Warn, &["X-Total-Count"]);
    assert_expected_found(&subjects, "CLR20-API-010", "0", "1000000000000");
    assert_outcome(&subjects, "CLR20-API-012", Outcome::Warn, &["stopped after 50 pages"]);

    // Every walk stops at MAX_PAGES: three walks (before and after the upserts, and the paging walk) and a handful
    // of single requests (token probes, queries).
    let clr_listings = requests_to(&exchanges, "GET", "/ims/clr/v2p0/credentials").len();
    let ob_listings = requests_to(&exchanges, "GET", "/ims/ob/v3p0/credentials").len();
    eprintln!("getCredentials requests: CLR {clr_listings}, OB {ob_listings}");
    assert!(clr_listings >= MAX_PAGES, "the endless walk went as far as allowed");
    assert!(clr_listings <= 3 * MAX_PAGES + 10, "{clr_listings} requests");
    assert!(
        ob_listings <= 20,
        "the looping walk stopped at the first repeat: {ob_listings} requests"
    );
}

/// OAuth URLs at a private address, at the metadata address over https, and on another host over plain http:
/// the harness refuses to contact them and says so; nothing there ever answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_urls_at_forbidden_addresses_are_not_contacted() {
    // Registration at a private address: every registration check reports the refusal.
    let server = MockServer::start().await;
    mount_sdd(
        &server,
        Family::Ob30,
        sdd(
            Family::Ob30,
            "http://10.0.0.1/register",
            "https://169.254.169.254/authorize",
            "http://evil.example/token",
        ),
    )
    .await;
    let mut t = target(&server.uri(), &[Family::Ob30]);
    t.auth.mode = AuthMode::AutoConsent;
    let (exchanges, subjects) = conformance(&t).await;
    assert_outcome(
        &subjects,
        "OAUTH-DCR-001",
        Outcome::Fail,
        &["must not contact", "10.0.0.1"],
    );
    assert_outcome(
        &subjects,
        "OAUTH-DCR-002",
        Outcome::Fail,
        &["must not contact", "10.0.0.1"],
    );
    assert_outcome(
        &subjects,
        "OAUTH-DCR-003",
        Outcome::Warn,
        &["must not contact", "10.0.0.1"],
    );
    assert_outcome(
        &subjects,
        "OB30-API-023",
        Outcome::Fail,
        &["registration URL is not https"],
    );
    assert_outcome(&subjects, "OB30-API-008", Outcome::Skip, &["no access token"]);
    assert_eq!(
        exchanges.iter().filter(|e| host_of(&e.url) == "10.0.0.1").count(),
        3,
        "three registration attempts, each refused"
    );
    assert_only_target_answered(&exchanges);

    // A working registration and authorization, but the token endpoint at the metadata address and revocation on
    // another host over http.
    let server = MockServer::start().await;
    let base = server.uri();
    mount_sdd(
        &server,
        Family::Ob30,
        sdd(
            Family::Ob30,
            &format!("{base}/register"),
            &format!("{base}/authorize"),
            "https://169.254.169.254/token",
        ),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/register"))
        .respond_with(Registration)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/authorize"))
        .respond_with(AutoConsent)
        .mount(&server)
        .await;
    let mut t = target(&base, &[Family::Ob30]);
    t.auth.mode = AuthMode::AutoConsent;
    t.oauth.revocation_url = Some("http://evil.example/revoke".into());
    let (exchanges, subjects) = conformance(&t).await;
    assert_outcome(&subjects, "OAUTH-DCR-001", Outcome::Pass, &[]);
    assert_outcome(&subjects, "OAUTH-AUTHZ-001", Outcome::Pass, &[]);
    for check in ["OAUTH-PKCE-002", "OAUTH-TOKEN-001", "OAUTH-TOKEN-004"] {
        assert_outcome(
            &subjects,
            check,
            Outcome::Fail,
            &["must not contact", "169.254.169.254"],
        );
    }
    assert!(
        exchanges.iter().any(|e| host_of(&e.url) == "169.254.169.254"),
        "the token requests are recorded as refused"
    );
    assert_outcome(
        &subjects,
        "OB30-API-023",
        Outcome::Fail,
        &["revocation URL is not https"],
    );
    assert_only_target_answered(&exchanges);
}

/// Nothing listens at the target: every request is an Error saying the connection failed, nothing is a Fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_is_not_there_is_an_error_not_a_failure() {
    let base_url = {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        format!("http://{}", l.local_addr().expect("address"))
    };
    let t = with_token(target(&base_url, &[Family::Ob30]));
    let (exchanges, subjects) = conformance(&t).await;
    assert_outcome(&subjects, "OB30-API-001", Outcome::Error, &["connection failed"]);
    assert_outcome(&subjects, "OB30-API-008", Outcome::Error, &["connection failed"]);
    for r in subjects.iter().flat_map(|s| s.results.iter()) {
        assert!(
            !matches!(r.outcome, Outcome::Fail) || r.check == "OB30-API-023",
            "{}: {}",
            r.check,
            said(r)
        );
    }
    assert!(exchanges.iter().all(|e| e.status.is_none() && e.error.is_some()));
}

/// A response head of 300 one-kilobyte headers, a status line that is not HTTP, a body cut short of its
/// Content-Length: Errors that say what was wrong with the answer, not just that a request failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_responses_are_errors_that_say_why() {
    let mut oversized = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n".to_vec();
    for i in 0..300 {
        oversized.extend_from_slice(format!("x-junk-{i}: {}\r\n", "j".repeat(1024)).as_bytes());
    }
    oversized.extend_from_slice(b"content-length: 2\r\n\r\n{}");
    let server = raw_server(move |m, p| match (m, p) {
        (_, "/ims/ob/v3p0/discovery") => Answer::Garbage(oversized.clone()),
        (_, "/ims/clr/v2p0/discovery") => Answer::Garbage(b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()),
        ("GET", "/ims/ob/v3p0/credentials") => Answer::Garbage(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\": \"urn:x\""
                .to_vec(),
        ),
        _ => not_found(),
    })
    .await;
    let t = with_token(target(&server.base_url, &[Family::Ob30, Family::Clr20]));
    let (exchanges, subjects) = conformance(&t).await;
    assert_outcome(&subjects, "OB30-API-001", Outcome::Error, &["head is too large"]);
    assert_outcome(&subjects, "CLR20-API-001", Outcome::Error, &["invalid HTTP"]);
    assert_outcome(&subjects, "OB30-API-008", Outcome::Error, &["message length"]);
    for (path, why) in [
        ("/ims/ob/v3p0/discovery", "head is too large"),
        ("/ims/clr/v2p0/discovery", "invalid HTTP"),
        ("/ims/ob/v3p0/credentials", "message length"),
    ] {
        let gets = requests_to(&exchanges, "GET", path);
        assert!(!gets.is_empty(), "{path} was requested");
        for e in gets {
            assert_eq!(e.status, None);
            assert!(
                e.error.as_deref().is_some_and(|m| m.contains(why)),
                "{path}: {:?}",
                e.error
            );
        }
    }
}

/// Pages of `{},{},…` (three bytes a credential, 87 000 a page) with a rel=next that never ends.
struct CrowdedPages(Vec<u8>);

impl Respond for CrowdedPages {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let offset: u64 = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "offset")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        ResponseTemplate::new(200)
            .set_body_raw(self.0.clone(), "application/json")
            .insert_header("Link", format!(r#"<?offset={}>; rel="next""#, offset + 87_000))
    }
}

/// Millions of tiny credentials: a listing keeps at most 10 000 and stops there, so memory stays bounded whatever
/// the pages hold; the early stop is reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_of_millions_of_tiny_credentials_is_cut_short() {
    let mut page = br#"{"credential": [{}"#.to_vec();
    while page.len() < 256 * 1024 {
        page.extend_from_slice(b",{}");
    }
    page.extend_from_slice(b"]}");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ims/ob/v3p0/credentials"))
        .respond_with(CrowdedPages(page))
        .mount(&server)
        .await;
    let mut t = with_token(target(&server.uri(), &[Family::Ob30]));
    t.limits.max_body_bytes = Some(512 * 1024);
    let (exchanges, subjects) = conformance(&t).await;

    assert!(
        said(result(&subjects, "OB30-API-008")).contains("10000 credentials read; the listing was not read further"),
        "{}",
        said(result(&subjects, "OB30-API-008"))
    );
    assert_outcome(&subjects, "OB30-API-012", Outcome::Fail, &["10000 credentials read"]);
    // The 100 verified are not credentials at all.
    assert_outcome(&subjects, "OB30-API-009", Outcome::Fail, &["another family"]);
    let listings = requests_to(&exchanges, "GET", "/ims/ob/v3p0/credentials").len();
    assert!(
        listings <= 10,
        "each walk stopped at its first page: {listings} requests"
    );
}

/// A provider that holds nothing and is tested read-only gives the paging and filter checks nothing to judge:
/// skipped or not applicable with the reason, never a pass (a provider that ignores `since` or sends no Link header
/// would look the same).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_provider_cannot_pass_what_it_never_showed() {
    let server = MockServer::start().await;
    let base = server.uri();
    let reg = format!("{base}/register");
    mount_sdd(
        &server,
        Family::Ob30,
        sdd(
            Family::Ob30,
            &reg,
            &format!("{base}/authorize"),
            &format!("{base}/token"),
        ),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/ims/ob/v3p0/credentials"))
        .respond_with(json_body(&json!({"credential": [], "compactJwsString": []})))
        .mount(&server)
        .await;
    let mut t = with_token(target(&base, &[Family::Ob30]));
    t.credentials.read_only = true;
    let (_, subjects) = conformance(&t).await;
    for (check, outcome, why) in [
        ("OB30-API-010", Outcome::Skip, "nothing to page"),
        ("OB30-API-011", Outcome::Skip, "nothing to page"),
        ("OB30-API-012", Outcome::Skip, "nothing to page"),
        ("OB30-API-013", Outcome::Skip, "holds no credentials"),
        ("OB30-API-009", Outcome::NotApplicable, "no credentials"),
    ] {
        assert_outcome(&subjects, check, outcome, &[why]);
    }
}

/// One 160 KB VC-JWT whose payload is a minified credential full of nulls (one line, thousands of findings): each
/// check keeps its first findings with a window of the line, so the subjects and every report stay small (this
/// credential once took a run to 10 GB and a 3.6 GB report.html).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_vc_jwt_full_of_findings_gives_small_reports() {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:8a1f0c3e-5b7d-4e2a-9c6f-1d3b5a7e9f20",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://issuer.example", "type": ["Profile"]},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"]}
    });
    vc["credentialSubject"]["junk"] = Value::Array(vec![Value::Null; 24_000]);
    let payload =
        json!({"vc": vc, "iss": "https://issuer.example", "jti": "urn:uuid:8a1f0c3e-5b7d-4e2a-9c6f-1d3b5a7e9f20"});
    let jws = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64(payload.to_string().as_bytes()),
        b64(b"signature")
    );
    assert!(jws.len() > 150_000, "{}", jws.len());
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ims/ob/v3p0/credentials"))
        .respond_with(json_body(&json!({"compactJwsString": [jws]})))
        .mount(&server)
        .await;
    let t = with_token(target(&server.uri(), &[Family::Ob30]));
    let (exchanges, subjects) = conformance(&t).await;

    let findings: usize = subjects.iter().flat_map(|s| &s.results).map(|r| r.findings.len()).sum();
    let most = subjects
        .iter()
        .flat_map(|s| &s.results)
        .map(|r| r.findings.len())
        .max()
        .unwrap_or(0);
    assert!(
        most <= 51,
        "a check keeps its first findings and counts the rest: {most}"
    );
    let received = subjects
        .iter()
        .flat_map(|s| &s.results)
        .flat_map(|r| &r.findings)
        .filter(|f| f.message.contains("null"))
        .count();
    assert!(received > 0, "the nulls are findings");
    let mut run = clr_harness::engine::build_run(
        subjects,
        clr_reports::RunOptions::default(),
        vec!["run".into()],
        "2025-01-01T00:00:00Z".into(),
        Instant::now(),
        exchanges,
    );
    // As every command finishes a run: secrets out, then the caps.
    clr_harness::redact::scrub_run(&clr_harness::redact::Redactor::new(), &mut run);
    for format in clr_reports::ReportFormat::ALL {
        let text = format.render(&run).expect("renders");
        assert!(
            text.len() < 8 << 20,
            "{format} of a run with {findings} findings is {} bytes",
            text.len()
        );
    }
}
