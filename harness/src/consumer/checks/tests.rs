//! Every consumer check on a clean client flow (`ok`: all pass) and on the flow with one thing wrong (`fail`: that
//! check, and only it, does not pass).

use clr_reports::Outcome;
use serde_json::json;

use super::*;
use crate::check::Endpoints;

const BASE: &str = "https://127.0.0.1:9443";
const REDIRECT: &str = "https://client.example/callback";

fn endpoints() -> Endpoints {
    Endpoints {
        discovery: vec![format!("{BASE}/ims/ob/v3p0/discovery")],
        registration: format!("{BASE}/oauth/register"),
        authorization: format!("{BASE}/oauth/authorize"),
        token: format!("{BASE}/oauth/token"),
        api_bases: vec![format!("{BASE}/ims/ob/v3p0")],
    }
}

fn exchange(n: usize, method: &str, url: String, headers: &[(&str, &str)], body: Option<String>) -> Exchange {
    Exchange {
        id: format!("tap-{n}"),
        method: method.into(),
        url,
        request_headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        request_body: body,
        status: Some(200),
        response_headers: Vec::new(),
        response_body: None,
        response_body_truncated: false,
        request_body_truncated: false,
        error: None,
        duration_ms: 1,
        curl: String::new(),
    }
}

/// The one scope the clean flow uses (it only upserts), URL-encoded.
const UPSERT_SCOPE: &str = "https%3A%2F%2Fpurl.imsglobal.org%2Fspec%2Fob%2Fv3p0%2Fscope%2Fcredential.upsert";

/// What a conformant client sends: discovery, registration, two authorizations, a token request, two upserts.
fn clean_flow() -> Vec<Exchange> {
    let registration = json!({
        "client_name": "Test client", "client_uri": "https://client.example/",
        "logo_uri": "https://client.example/logo.png", "tos_uri": "https://client.example/tos",
        "policy_uri": "https://client.example/privacy", "software_id": "c0ffee", "software_version": "1.0",
        "redirect_uris": [REDIRECT], "scope": "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert",
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
    });
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let authorize = |state: &str| {
        format!(
            "{BASE}/oauth/authorize?response_type=code&client_id=c1&redirect_uri={}&scope={UPSERT_SCOPE}&state={state}\
             &code_challenge={challenge}&code_challenge_method=S256",
            url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>()
        )
    };
    let basic = format!("Basic {}", STANDARD.encode("c1:secret"));
    vec![
        exchange(1, "GET", format!("{BASE}/ims/ob/v3p0/discovery"), &[], None),
        exchange(
            2,
            "POST",
            format!("{BASE}/oauth/register"),
            &[("content-type", "application/json")],
            Some(registration.to_string()),
        ),
        exchange(3, "GET", authorize("Yk3fJ9qPz0wLr8Tn2Vx4"), &[], None),
        exchange(4, "GET", authorize("Qm7sD1hGf5Kc9Ze3Wb6A"), &[], None),
        exchange(
            5,
            "POST",
            format!("{BASE}/oauth/token"),
            &[
                ("authorization", &basic),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Some("grant_type=authorization_code&code=abc&redirect_uri=x&code_verifier=dBjftJeZ4CVP".into()),
        ),
        exchange(
            6,
            "POST",
            format!("{BASE}/ims/ob/v3p0/credentials"),
            &[("authorization", "Bearer t"), ("content-type", "application/json")],
            Some("{\"type\": [\"VerifiableCredential\"]}".into()),
        ),
        exchange(
            7,
            "POST",
            format!("{BASE}/ims/ob/v3p0/credentials"),
            &[("authorization", "Bearer t"), ("content-type", "text/plain")],
            Some("eyJhbGciOiJSUzI1NiJ9.e30.c2ln".into()),
        ),
    ]
}

fn outcomes(flow: &[Exchange]) -> BTreeMap<&'static str, Outcome> {
    let endpoints = endpoints();
    let started_ms = std::collections::HashMap::new();
    let inbound = Inbound {
        exchanges: flow,
        endpoints: &endpoints,
        started_ms: &started_ms,
    };
    CHECKS
        .iter()
        .map(|check| {
            let Runner::Consumer(run) = check.runner else {
                unreachable!("consumer checks run on the inbound")
            };
            let mut c = Collector::new(check);
            run(&inbound, &mut c);
            (check.id, c.result(false).outcome)
        })
        .collect()
}

fn not_passing(flow: &[Exchange]) -> Vec<&'static str> {
    outcomes(flow)
        .into_iter()
        .filter(|(_, o)| !matches!(o, Outcome::Pass | Outcome::NotApplicable))
        .map(|(id, _)| id)
        .collect()
}

fn edited(edit: impl FnOnce(&mut Vec<Exchange>)) -> Vec<Exchange> {
    let mut flow = clean_flow();
    edit(&mut flow);
    flow
}

#[test]
fn a_clean_flow_passes_every_consumer_check() {
    assert_eq!(not_passing(&clean_flow()), Vec::<&str>::new());
}

/// The clean flow with its first authorization answered by a redirect carrying `state` and the code `abc` (the
/// token request redeems `abc`).
fn answered_with_state(state: &str) -> Vec<Exchange> {
    edited(|f| f[2].response_headers = vec![("location".into(), format!("{REDIRECT}?code=abc&state={state}&scope=s"))])
}

#[test]
fn a_code_that_came_back_with_another_state_must_not_be_redeemed() {
    assert_eq!(
        outcomes(&clean_flow())["OAUTH-CLIENT-007"],
        Outcome::NotApplicable,
        "not provoked"
    );
    assert_eq!(
        outcomes(&answered_with_state("Yk3fJ9qPz0wLr8Tn2Vx4"))["OAUTH-CLIENT-007"],
        Outcome::NotApplicable
    );
    let redeemed = answered_with_state("not-Yk3fJ9qPz0wLr8Tn2Vx4");
    assert_eq!(not_passing(&redeemed), vec!["OAUTH-CLIENT-007"]);
    let mut refused = redeemed.clone();
    refused.remove(4);
    assert_eq!(
        outcomes(&refused)["OAUTH-CLIENT-007"],
        Outcome::Pass,
        "provoked and not redeemed"
    );
}

#[test]
fn nothing_sent_is_never_a_pass() {
    // What needs a situation the client never met (a page to follow, an expired token, a 429) does not apply.
    assert!(
        outcomes(&[])
            .values()
            .all(|o| matches!(o, Outcome::Skip | Outcome::NotApplicable))
            && outcomes(&[]).values().any(|o| *o == Outcome::Skip),
        "{:?}",
        outcomes(&[])
    );
}

#[test]
fn each_flaw_trips_exactly_its_check() {
    fn replace_in(n: usize, from: &str, to: &str) -> impl FnOnce(&mut Vec<Exchange>) {
        let (from, to) = (from.to_string(), to.to_string());
        move |flow: &mut Vec<Exchange>| {
            let e = &mut flow[n];
            e.url = e.url.replace(&from, &to);
            e.request_body = e.request_body.as_ref().map(|b| b.replace(&from, &to));
        }
    }
    let cases: Vec<(&str, Vec<Exchange>, &str)> = vec![
        (
            "redirect_uris as a string",
            edited(replace_in(1, &format!("[\"{REDIRECT}\"]"), &format!("\"{REDIRECT}\""))),
            "OAUTH-CLIENT-001",
        ),
        (
            "no software_id",
            edited(replace_in(1, "\"software_id\"", "\"software\"")),
            "OAUTH-CLIENT-001",
        ),
        (
            "client_secret_post",
            edited(replace_in(1, "client_secret_basic", "client_secret_post")),
            "OAUTH-CLIENT-001",
        ),
        (
            "a read scope it never uses",
            edited(replace_in(
                2,
                UPSERT_SCOPE,
                &format!(
                    "{UPSERT_SCOPE}+https%3A%2F%2Fpurl.imsglobal.org%2Fspec%2Fob%2Fv3p0%2Fscope%2Fcredential.readonly"
                ),
            )),
            "OAUTH-CLIENT-009",
        ),
        (
            "plain PKCE",
            edited(replace_in(
                2,
                "code_challenge_method=S256",
                "code_challenge_method=plain",
            )),
            "OAUTH-CLIENT-002",
        ),
        (
            "no PKCE",
            edited(replace_in(3, "&code_challenge=", "&nothing=")),
            "OAUTH-CLIENT-002",
        ),
        (
            "a repeated state",
            edited(replace_in(3, "Qm7sD1hGf5Kc9Ze3Wb6A", "Yk3fJ9qPz0wLr8Tn2Vx4")),
            "OAUTH-CLIENT-003",
        ),
        (
            "a short state",
            edited(replace_in(2, "Yk3fJ9qPz0wLr8Tn2Vx4", "1234")),
            "OAUTH-CLIENT-003",
        ),
        (
            "another redirect URI",
            edited(replace_in(2, "callback", "elsewhere")),
            "OAUTH-CLIENT-004",
        ),
        (
            "no Basic auth",
            edited(|f| f[4].request_headers.retain(|(k, _)| k != "authorization")),
            "OAUTH-CLIENT-005",
        ),
        (
            "no code_verifier",
            edited(replace_in(4, "&code_verifier=", "&verifier=")),
            "OAUTH-CLIENT-005",
        ),
        (
            "the token in the URL",
            edited(|f| f[5].url.push_str("?access_token=t")),
            "OAUTH-CLIENT-006",
        ),
        (
            "no discovery",
            edited(|f| {
                f.remove(0);
            }),
            "API-CLIENT-001",
        ),
        (
            "a JWS as JSON",
            edited(|f| f[6].request_headers[1].1 = "application/json".into()),
            "API-CLIENT-002",
        ),
        (
            "JSON as text",
            edited(|f| f[5].request_headers[1].1 = "text/plain".into()),
            "API-CLIENT-002",
        ),
    ];
    for (what, flow, check) in cases {
        assert_eq!(not_passing(&flow), vec![check], "{what}");
    }
    let flow = edited(|f| f[5].url.push_str("?access_token=t"));
    assert_eq!(
        outcomes(&flow)["OAUTH-CLIENT-006"],
        Outcome::Warn,
        "a SHOULD: a warning"
    );
}

/// An API request answered `status` with `response_headers`.
fn api(n: usize, method: &str, path: &str, status: u16, response_headers: &[(&str, &str)]) -> Exchange {
    let mut e = exchange(n, method, format!("{BASE}/ims/ob/v3p0{path}"), &[], None);
    e.status = Some(status);
    e.response_headers = response_headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    e
}

/// One check's outcome on `flow`, each exchange `tap-N` having arrived at `arrived[N]` milliseconds.
fn judged(check: &'static Check, flow: &[Exchange], arrived: &[(usize, u64)]) -> Outcome {
    let endpoints = endpoints();
    let started_ms = arrived.iter().map(|(n, at)| (format!("tap-{n}"), *at)).collect();
    let inbound = Inbound {
        exchanges: flow,
        endpoints: &endpoints,
        started_ms: &started_ms,
    };
    let Runner::Consumer(run) = check.runner else {
        unreachable!("a consumer check")
    };
    let mut c = Collector::new(check);
    run(&inbound, &mut c);
    c.result(false).outcome
}

#[test]
fn retry_after_is_judged_on_arrival_times() {
    let throttled = api(1, "GET", "/credentials", 429, &[("Retry-After", "1")]);
    let retry = api(2, "GET", "/credentials", 200, &[]);
    let flow = [throttled.clone(), retry];
    assert_eq!(judged(&ids::API_CLIENT_004, &flow, &[(1, 0), (2, 1500)]), Outcome::Pass);
    assert_eq!(
        judged(&ids::API_CLIENT_004, &flow, &[(1, 0), (2, 200)]),
        Outcome::Warn,
        "retried 199 ms after the answer"
    );
    assert_eq!(
        judged(&ids::API_CLIENT_004, std::slice::from_ref(&throttled), &[(1, 0)]),
        Outcome::Warn,
        "gave up"
    );
    assert_eq!(
        judged(&ids::API_CLIENT_004, &flow, &[]),
        Outcome::Skip,
        "no arrival times: no verdict"
    );
    let served = api(1, "GET", "/credentials", 200, &[]);
    assert_eq!(
        judged(&ids::API_CLIENT_004, &[served], &[(1, 0)]),
        Outcome::NotApplicable
    );
}

#[test]
fn paging_needs_the_next_page_read() {
    let next = format!("<{BASE}/ims/ob/v3p0/credentials?limit=1&offset=1>; rel=\"next\", <{BASE}/x>; rel=\"last\"");
    let first = api(1, "GET", "/credentials", 200, &[("Link", next.as_str())]);
    // Reordered and with a parameter of its own: still the next page.
    let read = api(2, "GET", "/credentials?offset=1&nocache=7&limit=1", 200, &[]);
    assert_eq!(judged(&ids::API_CLIENT_003, &[first.clone(), read], &[]), Outcome::Pass);
    let refused = api(2, "GET", "/credentials?limit=1&offset=1", 401, &[]);
    assert_eq!(
        judged(&ids::API_CLIENT_003, &[first.clone(), refused], &[]),
        Outcome::Fail,
        "asked for, never read"
    );
    assert_eq!(judged(&ids::API_CLIENT_003, &[first], &[]), Outcome::Fail);
    let single = api(1, "GET", "/credentials", 200, &[]);
    assert_eq!(judged(&ids::API_CLIENT_003, &[single], &[]), Outcome::NotApplicable);
}

#[test]
fn an_expired_token_is_refreshed_before_anything_else() {
    let expired = api(
        1,
        "GET",
        "/credentials",
        401,
        &[("WWW-Authenticate", "Bearer error=\"invalid_token\"")],
    );
    let refresh = exchange(
        2,
        "POST",
        format!("{BASE}/oauth/token"),
        &[],
        Some("grant_type=refresh_token&refresh_token=r1".into()),
    );
    let again = api(2, "GET", "/credentials", 401, &[]);
    let reauthorize = exchange(
        2,
        "GET",
        format!("{BASE}/oauth/authorize?response_type=code"),
        &[],
        None,
    );
    assert_eq!(
        judged(&ids::OAUTH_CLIENT_008, &[expired.clone(), refresh], &[]),
        Outcome::Pass
    );
    assert_eq!(
        judged(&ids::OAUTH_CLIENT_008, &[expired.clone(), again], &[]),
        Outcome::Warn,
        "the expired token again"
    );
    assert_eq!(
        judged(&ids::OAUTH_CLIENT_008, &[expired.clone(), reauthorize], &[]),
        Outcome::Warn
    );
    assert_eq!(
        judged(&ids::OAUTH_CLIENT_008, &[expired], &[]),
        Outcome::Warn,
        "stopped"
    );
}

#[test]
fn a_body_the_tap_cut_is_not_judged() {
    let mut flow = clean_flow();
    flow[1].request_body_truncated = true;
    assert_eq!(
        outcomes(&flow)["OAUTH-CLIENT-001"],
        Outcome::Skip,
        "a cut registration request is neither passed nor failed"
    );
}
