use super::*;

const ACCESS: &str = "eyJhbGciOiJSUzI1NiJ9.access-token-value";
const REFRESH: &str = "r3fr3sh-t0ken/with+special=chars";

fn exchange(method: &str, url: &str) -> Exchange {
    Exchange {
        id: "api-1".into(),
        method: method.into(),
        url: url.into(),
        request_headers: Vec::new(),
        request_body: None,
        status: Some(200),
        response_headers: Vec::new(),
        response_body: None,
        response_body_truncated: false,
        request_body_truncated: false,
        error: None,
        duration_ms: 0,
        curl: String::new(),
    }
}

/// A run with one provider subject, one failed check and one finding.
fn sample_run() -> Run {
    use clr_reports::{CheckResult, Finding, Outcome, RunOptions, Subject, SubjectKind, Summary, ToolInfo};
    let finding = Finding {
        outcome: Outcome::Fail,
        message: "m".into(),
        location: Location::default(),
        expected: None,
        actual: None,
        evidence: Vec::new(),
        exchanges: Vec::new(),
        hint: None,
    };
    Run {
        format: clr_reports::REPORT_FORMAT.into(),
        tool: ToolInfo {
            name: "clr-harness".into(),
            version: "0".into(),
            vectors_version: "0".into(),
            specs: Vec::new(),
        },
        command: Vec::new(),
        started_at: "2025-01-01T00:00:00Z".into(),
        duration_ms: 1,
        options: RunOptions::default(),
        checks: Vec::new(),
        subjects: vec![Subject {
            id: "provider-oauth".into(),
            kind: SubjectKind::Provider,
            name: "provider".into(),
            source: "https://x.example".into(),
            parent: None,
            scope: None,
            layers: Vec::new(),
            detected: None,
            outcome: Outcome::Fail,
            unverified: None,
            results: vec![CheckResult {
                check: "OAUTH-TOKEN-004".into(),
                outcome: Outcome::Fail,
                note: None,
                findings: vec![finding],
            }],
        }],
        exchanges: Vec::new(),
        summary: Summary::default(),
    }
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

#[test]
fn numbering_is_stable_per_kind_in_order_of_first_sight() {
    let r = Redactor::new();
    assert_eq!(
        r.learn(Kind::AccessToken, "first-access-token").as_deref(),
        Some("<access-token-1>")
    );
    assert_eq!(
        r.learn(Kind::RefreshToken, "first-refresh-token").as_deref(),
        Some("<refresh-token-1>")
    );
    assert_eq!(
        r.learn(Kind::AccessToken, "second-access-token").as_deref(),
        Some("<access-token-2>")
    );
    // The same value keeps its first name, whatever kind it is seen as later.
    assert_eq!(
        r.learn(Kind::AccessToken, "first-access-token").as_deref(),
        Some("<access-token-1>")
    );
    assert_eq!(
        r.learn(Kind::Cookie, "first-refresh-token").as_deref(),
        Some("<refresh-token-1>")
    );
    assert_eq!(
        r.scrub("a first-access-token, then second-access-token and first-access-token again"),
        "a <access-token-1>, then <access-token-2> and <access-token-1> again"
    );
    // Nothing to learn: empty values, the harness's own decoys, placeholders.
    assert_eq!(r.learn(Kind::AccessToken, ""), None);
    assert_eq!(r.learn(Kind::AccessToken, "clr-harness-unknown-token"), None);
    assert_eq!(r.learn(Kind::AccessToken, "<access-token-1>"), None);
    assert_eq!(r.known().len(), 3);
}

#[test]
fn longer_secrets_are_replaced_before_the_ones_they_contain() {
    let r = Redactor::new();
    r.learn(Kind::ClientSecret, "s3cret-value");
    r.learn(Kind::AccessToken, "prefix-s3cret-value-suffix");
    assert_eq!(r.scrub("[prefix-s3cret-value-suffix]"), "[<access-token-1>]");
    assert_eq!(r.scrub("[s3cret-value]"), "[<client-secret-1>]");
}

#[test]
fn short_values_are_redacted_in_place_but_not_in_free_text() {
    let r = Redactor::new();
    r.learn_headers(&headers(&[("Authorization", "Bearer abc")]));
    assert_eq!(r.scrub("abc is a word"), "abc is a word");
    let mut h = headers(&[("Authorization", "Bearer abc"), ("X-Other", "abc")]);
    r.redact_headers(&mut h);
    assert_eq!(h[0].1, "Bearer <access-token-1>");
    assert_eq!(h[1].1, "abc");
    r.learn_form("grant_type=authorization_code&code=xyz");
    assert_eq!(
        r.redact_pairs("grant_type=authorization_code&code=xyz&state=xyz"),
        "grant_type=authorization_code&code=<authorization-code-1>&state=xyz"
    );
}

#[test]
fn basic_credentials_are_decoded_and_both_forms_learned() {
    let r = Redactor::new();
    let secret = "client s3cret+value";
    // RFC 6749 §2.3.1: form-encoded before base64.
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let basic = STANDARD.encode(format!("my-client:{encoded}"));
    let mut h = headers(&[("Authorization", &format!("Basic {basic}"))]);
    r.learn_headers(&h);
    r.redact_headers(&mut h);
    assert_eq!(h[0].1, "Basic <basic-credentials-1>");
    assert_eq!(r.name_of(&basic).as_deref(), Some("<basic-credentials-1>"));
    assert_eq!(r.name_of(secret).as_deref(), Some("<client-secret-2>"));
    assert_eq!(r.name_of(&encoded).as_deref(), Some("<client-secret-1>"));
    assert_eq!(r.scrub(&format!("secret: {secret}")), "secret: <client-secret-2>");
    // The client id is no secret.
    assert_eq!(r.name_of("my-client"), None);
}

#[test]
fn percent_and_json_encoded_forms_are_found() {
    let r = Redactor::new();
    r.learn(Kind::RefreshToken, REFRESH);
    let form: String = url::form_urlencoded::byte_serialize(REFRESH.as_bytes()).collect();
    assert_eq!(form, "r3fr3sh-t0ken%2Fwith%2Bspecial%3Dchars");
    assert_eq!(
        r.scrub(&format!("refresh_token={form}")),
        "refresh_token=<refresh-token-1>"
    );
    assert_eq!(
        r.scrub(&format!("q={}", percent_encode(REFRESH))),
        "q=<refresh-token-1>"
    );
    assert_eq!(
        r.scrub(r#"{"refresh_token":"r3fr3sh-t0ken\/with+special=chars"}"#),
        r#"{"refresh_token":"<refresh-token-1>"}"#
    );
    let quoted = "tok\"en-with-quote";
    r.learn(Kind::AccessToken, quoted);
    let json = serde_json::json!({ "v": quoted }).to_string();
    assert_eq!(r.scrub(&json), r#"{"v":"<access-token-1>"}"#);
}

#[test]
fn token_responses_and_registrations_are_learned_from_json() {
    let r = Redactor::new();
    let body = format!(
        r#"{{"access_token":"{ACCESS}","token_type":"Bearer","refresh_token":"{REFRESH}","id_token":"id.token.value",
            "client":{{"client_secret":"nested-secret-1","registration_access_token":"reg-access-1","code":"E001"}}}}"#
    );
    let found = r.learn_json(&body);
    assert_eq!(found.len(), 5);
    let scrubbed = r.scrub(&body);
    for secret in [ACCESS, REFRESH, "id.token.value", "nested-secret-1", "reg-access-1"] {
        assert!(!scrubbed.contains(secret), "{secret} in {scrubbed}");
    }
    for name in [
        "<access-token-1>",
        "<refresh-token-1>",
        "<id-token-1>",
        "<client-secret-1>",
        "<registration-access-token-1>",
    ] {
        assert!(scrubbed.contains(name), "{name} missing from {scrubbed}");
    }
    // A JSON `code` is an ordinary word (an error code), not an authorization code.
    assert!(scrubbed.contains("E001"));
    assert!(r.learn_json("not json").is_empty());
}

#[test]
fn forms_are_learned_by_field() {
    let r = Redactor::new();
    r.learn_form(
        "grant_type=authorization_code&code=the-auth-code-1&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb\
         &code_verifier=the-code-verifier-1&client_secret=form-secret-1&password=hunter2hunter2",
    );
    r.learn_form("token=revoked-refresh-1&token_type_hint=refresh_token");
    r.learn_form("token=revoked-access-1&token_type_hint=access_token");
    r.learn_form("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=eyJ.assertion.sig");
    let names: Vec<(String, String)> = r.known();
    let name = |v: &str| r.name_of(v).unwrap_or_default();
    assert_eq!(name("the-auth-code-1"), "<authorization-code-1>");
    assert_eq!(name("the-code-verifier-1"), "<code-verifier-1>");
    assert_eq!(name("form-secret-1"), "<client-secret-1>");
    assert_eq!(name("hunter2hunter2"), "<password-1>");
    assert_eq!(name("revoked-refresh-1"), "<refresh-token-1>");
    assert_eq!(name("revoked-access-1"), "<access-token-1>");
    assert_eq!(name("eyJ.assertion.sig"), "<assertion-1>");
    assert_eq!(names.len(), 7, "{names:?}");
    assert_eq!(r.name_of("http://127.0.0.1/cb"), None);
}

#[test]
fn urls_cookies_and_redirects() {
    let r = Redactor::new();
    let mut h = headers(&[
        ("Location", "https://client.example/cb?code=short&state=st4te-value"),
        ("Set-Cookie", "session=cookie-value-1; Path=/; HttpOnly"),
    ]);
    r.learn_headers(&h);
    r.redact_headers(&mut h);
    assert_eq!(
        h[0].1,
        "https://client.example/cb?code=<authorization-code-1>&state=st4te-value"
    );
    assert_eq!(h[1].1, "session=<cookie-1>; Path=/; HttpOnly");
    let mut cookie = headers(&[("Cookie", "session=cookie-value-1; theme=dark")]);
    r.learn_headers(&cookie);
    r.redact_headers(&mut cookie);
    assert_eq!(cookie[0].1, "session=<cookie-1>; theme=<cookie-2>");

    let url = "https://user:p%40ssw0rd-long@host.example/keys?access_token=url-token-1&x=1#frag";
    r.learn_url(url);
    assert_eq!(
        r.redact_url(url),
        "https://user:<password-1>@host.example/keys?access_token=<access-token-1>&x=1#frag"
    );
    // An ordinary URL's `code` parameter is not an authorization code.
    r.learn_url("https://case.example/items?code=ABCDEFGHIJ");
    assert_eq!(r.name_of("ABCDEFGHIJ"), None);
}

#[test]
fn recording_learns_from_whole_bodies_and_cuts_after_redacting() {
    let r = Redactor::new();
    let mut e = exchange("POST", "https://as.example/token");
    e.request_headers = headers(&[
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Authorization", "Basic bXktY2xpZW50Om15LXNlY3JldC12YWx1ZQ=="),
    ]);
    e.response_headers = headers(&[("content-type", "application/json")]);
    let request = b"grant_type=refresh_token&refresh_token=short".to_vec();
    // The token sits across the cut: only scrubbing the whole body before cutting hides all of it.
    let mut response = format!(r#"{{"pad":"{}","access_token":"{ACCESS}"}}"#, "x".repeat(20)).into_bytes();
    let limit = 50;
    assert!(response.len() > limit);
    r.record(&mut e, Some(&request), Some(&response), limit);
    assert_eq!(
        e.request_body.as_deref(),
        Some("grant_type=refresh_token&refresh_token=<refresh-token-1>")
    );
    assert_eq!(e.request_headers[1].1, "Basic <basic-credentials-1>");
    assert_eq!(r.name_of("my-secret-value").as_deref(), Some("<client-secret-1>"));
    let body = e.response_body.clone().unwrap_or_default();
    assert!(body.len() <= limit && e.response_body_truncated, "{body}");
    assert!(!body.contains("eyJ"), "{body}");
    assert_eq!(r.name_of(ACCESS).as_deref(), Some("<access-token-1>"));

    // The same exchange unredacted: only the cut.
    let off = Redactor::disabled();
    let mut raw = exchange("POST", "https://as.example/token");
    response.truncate(60);
    off.record(&mut raw, Some(&request), Some(&response), limit);
    assert_eq!(
        raw.request_body.as_deref(),
        Some("grant_type=refresh_token&refresh_token=short")
    );
    assert_eq!(
        raw.response_body.as_deref().map(str::as_bytes),
        Some(&response[..limit])
    );
    assert!(raw.response_body_truncated);
}

#[test]
fn a_disabled_redactor_changes_nothing() {
    let r = Redactor::disabled();
    assert_eq!(r.learn(Kind::AccessToken, ACCESS), None);
    r.learn_headers(&headers(&[("Authorization", &format!("Bearer {ACCESS}"))]));
    r.learn_form("code=the-auth-code-1");
    assert!(r.learn_json(&format!(r#"{{"access_token":"{ACCESS}"}}"#)).is_empty());
    assert!(r.known().is_empty());
    assert_eq!(r.scrub(ACCESS), ACCESS);
    let mut h = headers(&[("Authorization", &format!("Bearer {ACCESS}"))]);
    r.redact_headers(&mut h);
    assert_eq!(h[0].1, format!("Bearer {ACCESS}"));
    let mut run = sample_run();
    run.command = vec!["clr-harness".into(), "run".into(), "--token".into(), ACCESS.into()];
    let before = run.clone();
    scrub_run(&r, &mut run);
    assert_eq!(run, before);
}

#[test]
fn secret_flags_are_masked_in_the_command_line() {
    let args: Vec<String> = [
        "clr-harness",
        "run",
        "--token",
        "tok-1",
        "--token=tok-2",
        "--client-secret",
        "s",
        "--base-url",
        "https://x.example",
        "--no-redact",
        "--",
        "--token",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        mask_command(&args),
        [
            "clr-harness",
            "run",
            "--token",
            "<redacted>",
            "--token=<redacted>",
            "--client-secret",
            "<redacted>",
            "--base-url",
            "https://x.example",
            "--no-redact",
            "--",
            "--token",
        ]
    );
}

#[test]
fn the_sweep_reaches_findings_notes_and_exchanges() {
    let r = Redactor::new();
    r.learn(Kind::AccessToken, ACCESS);
    let mut run = sample_run();
    run.command = vec!["clr-harness".into(), "run".into(), format!("--token={ACCESS}")];
    let leak = format!("found {ACCESS}");
    for subject in &mut run.subjects {
        for result in &mut subject.results {
            result.note = Some(leak.clone());
            for f in &mut result.findings {
                f.message = leak.clone();
                f.actual = Some(leak.clone());
                f.expected = Some(leak.clone());
                f.hint = Some(leak.clone());
                f.location.http = Some(leak.clone());
                f.evidence.push(clr_reports::Evidence {
                    label: "token".into(),
                    value: leak.clone(),
                });
            }
        }
    }
    let mut e = exchange("GET", "https://x.example/");
    e.curl = format!("curl -H 'Authorization: Bearer {ACCESS}' https://x.example/");
    e.response_body = Some(leak.clone());
    run.exchanges.push(e);
    scrub_run(&r, &mut run);
    let json = serde_json::to_string(&run).unwrap_or_default();
    assert!(!json.contains(ACCESS), "{json}");
    assert!(json.contains("found <access-token-1>") && json.contains("--token=<redacted>"));
}

/// Documents checked side by side meet their secrets in any order: the finished run numbers placeholders by first
/// appearance in it, so two runs that learned the same cookies in opposite orders write the same report.
#[test]
fn placeholders_are_numbered_by_first_appearance_in_the_run() {
    let first = "session-cookie-value-aaaa";
    let second = "session-cookie-value-bbbb";
    let report = |learned: [&str; 2]| {
        let r = Redactor::new();
        for value in learned {
            r.learn(Kind::Cookie, value);
        }
        let mut run = sample_run();
        run.subjects[0].name = format!("seen first: {first}");
        run.subjects[0].source = format!("seen second: {second}, then {first} again");
        scrub_run(&r, &mut run);
        run
    };
    let in_order = report([first, second]);
    let reversed = report([second, first]);
    assert_eq!(in_order, reversed, "the same report whichever cookie was learned first");
    assert_eq!(in_order.subjects[0].name, "seen first: <cookie-1>");
    assert_eq!(
        in_order.subjects[0].source,
        "seen second: <cookie-2>, then <cookie-1> again"
    );
}

/// Placeholders are read back by their kind's name: no name may start another's.
#[test]
fn no_placeholder_name_starts_another() {
    for a in Kind::ALL {
        for b in Kind::ALL {
            assert!(
                a == b || !b.name().starts_with(&format!("{}-", a.name())),
                "{a:?} {b:?}"
            );
            assert!(
                a == b || !b.name().starts_with(a.name()),
                "{} starts {}",
                a.name(),
                b.name()
            );
        }
    }
}
