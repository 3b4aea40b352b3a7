//! Redaction against ground truth: a provider run against the embedded mocks, recorded unredacted, yields every
//! secret the run used (read from where each one sits in the traffic, not from the redactor's table). The same
//! exchanges then go through a redactor exactly as the HTTP client records them, the run is swept as the CLI
//! sweeps it, and no secret may survive in any of the five report formats.

use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clr_ecosystem::Embedded;
use clr_harness::api::{self, http};
use clr_harness::engine::{self, Options};
use clr_harness::fetch::RECORDED_BODY_BYTES;
use clr_harness::redact::{self, Recording, Redactor};
use clr_mocks::faults::Faults;
use clr_reports::{Exchange, ReportFormat, RunOptions};

/// Faults that make findings quote a redirect carrying an authorization code.
const CODE_QUOTING_FAULTS: &str = "pkce-optional,redirect-uri-not-checked,unknown-scope-granted";

/// Secret name/value pairs of a form or query string.
fn pairs(text: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x.invalid/?{text}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Every secret of unredacted exchanges, by where it sits: Authorization credentials (a Basic one decoded into its
/// client secret), secret form fields, secret members of JSON bodies, and codes in redirects. The harness's own
/// decoys are left out, and so are values too short to be searched for in free text.
fn secrets_of(exchanges: &[Exchange]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |what: &str, v: &str| {
        if v.len() >= redact::MIN_FREE_TEXT_CHARS && !v.starts_with("clr-harness-") {
            out.push((what.to_string(), v.to_string()));
        }
    };
    for e in exchanges {
        if let Some((scheme, credentials)) = header(&e.request_headers, "authorization").and_then(|a| a.split_once(' '))
        {
            add(scheme, credentials);
            if scheme == "Basic" {
                let decoded = STANDARD
                    .decode(credentials)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok());
                if let Some((_, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                    add("basic client secret", secret);
                }
            }
        }
        let form = header(&e.request_headers, "content-type").is_some_and(|c| c.contains("x-www-form-urlencoded"));
        if let (true, Some(body)) = (form, &e.request_body) {
            for (k, v) in pairs(body) {
                if [
                    "code",
                    "code_verifier",
                    "refresh_token",
                    "token",
                    "client_secret",
                    "password",
                ]
                .contains(&k.as_str())
                {
                    add(&k, &v);
                }
            }
        }
        for body in [&e.request_body, &e.response_body].into_iter().flatten() {
            if let Ok(serde_json::Value::Object(o)) = serde_json::from_str(body) {
                for key in [
                    "access_token",
                    "refresh_token",
                    "id_token",
                    "client_secret",
                    "registration_access_token",
                ] {
                    if let Some(v) = o.get(key).and_then(|v| v.as_str()) {
                        add(key, v);
                    }
                }
            }
        }
        if let Some((_, query)) = header(&e.response_headers, "location").and_then(|l| l.split_once('?')) {
            for (k, v) in pairs(query) {
                if k == "code" {
                    add("redirect code", &v);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn no_secret_of_a_real_run_survives_in_any_report_format() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let faults = Faults::parse_list(CODE_QUOTING_FAULTS).expect("known faults");
    let eco = rt.block_on(Embedded::start(1, faults)).expect("the ecosystem starts");
    let unredacted = Recording {
        redactor: Redactor::disabled(),
        cacert: None,
    };
    let provider_run = rt.block_on(api::run_with(
        &eco.target(),
        eco.uploads.clone(),
        &eco.hooks(),
        &|_| {},
        unredacted,
    ));
    rt.block_on(eco.shutdown());
    let raw = provider_run.exchanges.clone();
    let secrets = secrets_of(&raw);
    for kind in [
        "Bearer",
        "Basic",
        "basic client secret",
        "code",
        "code_verifier",
        "refresh_token",
        "access_token",
        "client_secret",
        "redirect code",
    ] {
        assert!(
            secrets.iter().any(|(k, _)| k == kind),
            "the run used no {kind}: {secrets:?}"
        );
    }

    let subjects = api::into_subjects(provider_run, &Options::default());
    let command = vec!["clr-harness".into(), "run".into()];
    let mut run = engine::build_run(
        subjects,
        RunOptions::default(),
        command,
        clr_harness::datetime::now_rfc3339(),
        Instant::now(),
        Vec::new(),
    );
    let unswept = serde_json::to_string(&run).expect("JSON");
    assert!(
        secrets.iter().any(|(_, s)| unswept.contains(s.as_str())),
        "the findings quote secrets (a redirect's code), so the sweep has work to do"
    );
    // Recorded again through a redactor, exactly as the client records an exchange when it ends.
    let redactor = Redactor::new();
    run.exchanges = raw
        .iter()
        .map(|original| {
            let mut e = original.clone();
            let (request, response) = (e.request_body.take(), e.response_body.take());
            redactor.record(
                &mut e,
                request.as_deref().map(str::as_bytes),
                response.as_deref().map(str::as_bytes),
                RECORDED_BODY_BYTES,
            );
            e.curl = http::curl(
                &e.method,
                &e.url,
                &e.request_headers,
                e.request_body.as_deref().map(str::as_bytes),
                Some("ca.pem"),
            );
            e
        })
        .collect();
    redact::scrub_run(&redactor, &mut run);

    for format in ReportFormat::ALL {
        let text = format.render(&run).expect("the report renders");
        for (kind, secret) in &secrets {
            assert!(!text.contains(secret.as_str()), "{format}: a {kind} survived: {secret}");
        }
        assert!(
            text.contains("authorization-code-1"),
            "{format} shows the code's placeholder"
        );
    }
}
