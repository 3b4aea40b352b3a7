//! The interactive OAuth flow driven as a browser would: the reference provider shows its login page to every
//! authorization request (no auto-consent), the harness prints each approval, and a robot "person" opens the URL,
//! logs in by posting the form and lets the browser land on the loopback redirect URI.
//!
//! A negative probe (no PKCE, an unregistered redirect URI, an unknown scope) that meets a login page must be taken
//! through it, so that a provider which grants such a request fails its check — never passes on the login page.

use std::collections::BTreeMap;

use clr_ecosystem::{Embedded, USER};
use clr_harness::api::{self, AuthMode};
use clr_harness::engine::Options;
use clr_mocks::faults::{Fault, Faults};
use clr_reports::{Outcome, SubjectKind};

/// The OAuth outcomes of one interactive run against the provider with `faults`, and the approval prompts seen.
fn interactive_run(faults: Faults) -> (BTreeMap<String, Outcome>, Vec<String>) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let eco = runtime
        .block_on(Embedded::start_with_login_page(1, faults))
        .expect("the ecosystem starts");
    let mut target = eco.target();
    target.auth.mode = AuthMode::Interactive;
    target.auth.redirect_port = 0;
    target.auth.login_timeout_secs = Some(20);
    let ca = eco.servers.ca_pem.clone().expect("the ecosystem serves https");
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let person = runtime.spawn(browse(rx, ca));
    let log = move |msg: &str| {
        let _ = tx.send(msg.to_string());
    };
    let run = runtime.block_on(api::run(&target, eco.uploads.clone(), &eco.hooks(), &log));
    drop(log);
    let prompts = runtime.block_on(person).expect("the person finishes");
    let subjects = api::into_subjects(run, &Options::default());
    runtime.block_on(eco.shutdown());
    let outcomes = subjects
        .iter()
        .filter(|s| s.kind == SubjectKind::Provider)
        .flat_map(|s| &s.results)
        .filter(|r| r.check.starts_with("OAUTH-"))
        .map(|r| (r.check.clone(), r.outcome))
        .collect();
    (outcomes, prompts)
}

/// The person at the browser: for every approval the harness asks for, open the URL; on the login page post the
/// form (the page's hidden fields are the request's own parameters) with the test user's login and "Allow"; follow
/// the redirect to the loopback listener; on an error page, tell the harness so. Returns the prompts.
async fn browse(mut prompts: tokio::sync::mpsc::UnboundedReceiver<String>, ca: String) -> Vec<String> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).expect("the CA parses"))
        .build()
        .expect("a client");
    let mut seen = Vec::new();
    while let Some(msg) = prompts.recv().await {
        if !msg.contains("Open this URL") {
            continue;
        }
        seen.push(msg.clone());
        let words: Vec<&str> = msg.split_whitespace().collect();
        let Some(url) = words.iter().find(|w| w.contains("/oauth/authorize?")) else {
            continue;
        };
        let refused = words.iter().find(|w| w.ends_with("/refused")).map(|w| w.to_string());
        let Ok(page) = browser.get(*url).send().await else {
            continue;
        };
        let landing = if page.status().is_redirection() {
            page.headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_string)
        } else if page.status().is_success() {
            let parsed = url::Url::parse(url).expect("the prompt's URL parses");
            let mut form: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
            form.extend([
                ("username".to_string(), USER.1.to_string()),
                ("password".to_string(), USER.2.to_string()),
                ("decision".to_string(), "allow".to_string()),
            ]);
            let action = format!("{}://{}/oauth/authorize", parsed.scheme(), parsed.authority());
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&form)
                .finish();
            let answer = browser
                .post(action)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("the form posts");
            answer
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_string)
        } else {
            refused
        };
        if let Some(landing) = landing.filter(|l| l.starts_with("http://127.0.0.1:")) {
            let _ = browser.get(landing).send().await;
        }
    }
    seen
}

#[test]
fn a_conformant_provider_passes_every_oauth_check_through_its_login_page() {
    let (outcomes, prompts) = interactive_run(Faults::none());
    let not_passing: Vec<_> = outcomes.iter().filter(|(_, o)| **o != Outcome::Pass).collect();
    assert!(not_passing.is_empty(), "{not_passing:?}");
    assert!(
        prompts.iter().all(|p| p.contains("approval ")),
        "numbered approvals: {prompts:?}"
    );
    assert!(
        prompts.iter().any(|p| p.contains("approval 1 — ")),
        "the person is told what each approval is for: {prompts:?}"
    );
}

/// Each fault makes the provider grant a request it must refuse, after its login page: the check fails.
#[test]
fn each_authorization_fault_fails_its_check_through_the_login_page() {
    for (fault, check) in [
        (Fault::PkceOptional, "OAUTH-PKCE-001"),
        (Fault::RedirectUriNotChecked, "OAUTH-AUTHZ-003"),
        (Fault::UnknownScopeGranted, "OAUTH-TOKEN-005"),
    ] {
        let (outcomes, prompts) = interactive_run(Faults::one(fault));
        assert_eq!(outcomes.get(check), Some(&Outcome::Fail), "{fault:?}: {outcomes:?}");
        assert!(
            prompts
                .iter()
                .any(|p| p.contains(check) && p.contains("a conformant server refuses it")),
            "the person is told why this approval is asked: {prompts:?}"
        );
    }
}
