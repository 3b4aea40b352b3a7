//! The OAuth 2.0 authorization checks: registration, authorization probes (redirect URIs, PKCE, scopes) and the
//! codes every token check needs. Each negative check uses a fresh authorization code, so one refusal never hides
//! another.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Session;
use super::discovery::{full_scope, http_at, readonly_scope};
use super::http::{Req, Resp};
use super::target::AuthMode;
use crate::catalogue::ids;
use crate::check::Check;

/// The client the harness registered.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    pub id: String,
    pub secret: String,
    pub redirect_uri: String,
}

/// An authorization code with what is needed to redeem it.
pub(super) struct Grant {
    pub(super) code: String,
    pub(super) verifier: String,
    pub(super) scope: String,
}

/// The registration request the harness sends, with the user's overrides.
fn registration_body(s: &Session<'_>, redirect_uri: &str) -> Value {
    let origin = redirect_uri.trim_end_matches("/callback");
    let mut body = json!({
        "client_name": "clr-harness conformance run",
        "client_uri": format!("{origin}/"),
        "logo_uri": format!("{origin}/logo.png"),
        "tos_uri": format!("{origin}/tos"),
        "policy_uri": format!("{origin}/privacy"),
        "software_id": "clr-harness",
        "software_version": env!("CARGO_PKG_VERSION"),
        "redirect_uris": [redirect_uri],
        "scope": full_scope(s),
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    for (k, v) in &s.target.auth.client {
        if let Ok(v) = serde_json::to_value(v) {
            body[k.as_str()] = v;
        }
    }
    body
}

pub(super) async fn register(s: &mut Session<'_>, redirect_uri: &str) -> Option<RegisteredClient> {
    let Some(url) = s.endpoints.registration.clone() else {
        for id in super::checks::OAUTH {
            s.rec
                .skip(id, "no registration URL: discovery failed and the target names none");
        }
        return None;
    };
    let valid = registration_body(s, redirect_uri);
    // Refusals first, so a provider that accepts everything does not leave stray clients behind a valid one.
    let mut incomplete = valid.clone();
    if let Some(m) = incomplete.as_object_mut() {
        m.remove("client_name");
    }
    if let Some(resp) = post_json(s, &ids::OAUTH_DCR_002, &url, &incomplete).await {
        expect_oauth_error(
            s,
            &ids::OAUTH_DCR_002,
            &resp,
            &[400],
            "invalid_client_metadata",
            "a registration without client_name",
        );
    }
    let mut bad_redirect = valid.clone();
    bad_redirect["redirect_uris"] = json!(["http://elsewhere.invalid/callback"]);
    if let Some(resp) = post_json(s, &ids::OAUTH_DCR_003, &url, &bad_redirect).await {
        expect_oauth_error(
            s,
            &ids::OAUTH_DCR_003,
            &resp,
            &[400],
            "invalid_redirect_uri",
            "a registration whose redirect URI is plain http on another host",
        );
    }
    let resp = post_json(s, &ids::OAUTH_DCR_001, &url, &valid).await?;
    let body = resp.json().ok();
    let get = |k: &str| body.as_ref().and_then(|b| b.get(k));
    let mut missing: Vec<&str> = [
        "client_id",
        "client_secret",
        "client_id_issued_at",
        "client_secret_expires_at",
    ]
    .into_iter()
    .filter(|k| get(k).is_none())
    .collect();
    missing.extend(
        ["client_name", "redirect_uris", "scope"]
            .into_iter()
            .filter(|k| get(k).is_none()),
    );
    s.rec.evaluated(&ids::OAUTH_DCR_001);
    if resp.status != 201 || !missing.is_empty() {
        s.rec
            .violation(
                &ids::OAUTH_DCR_001,
                "the registration response is not as RFC 7591 §3.2.1 requires",
            )
            .at(http_at(&resp, &format!("POST {url}")))
            .expected(
                "201 with client_id, client_secret, client_id_issued_at, client_secret_expires_at and the metadata",
            )
            .found(if missing.is_empty() {
                format!("{}", resp.status)
            } else {
                format!("{}, missing {}", resp.status, missing.join(", "))
            })
            .exchange(&resp.exchange);
    }
    let id = get("client_id").and_then(Value::as_str)?;
    let secret = get("client_secret").and_then(Value::as_str)?;
    Some(RegisteredClient {
        id: id.to_string(),
        secret: secret.to_string(),
        redirect_uri: redirect_uri.to_string(),
    })
}

async fn post_json(s: &mut Session<'_>, check: &'static Check, url: &str, body: &Value) -> Option<Resp> {
    let req = Req::new("POST", url)
        .header("Accept", "application/json")
        .body("application/json", body.to_string());
    s.send(check, req).await
}

/// Records a violation unless `resp` is an OAuth error with one of `statuses` and `error`.
pub(super) fn expect_oauth_error(
    s: &mut Session<'_>,
    check: &'static Check,
    resp: &Resp,
    statuses: &[u16],
    error: &str,
    what: &str,
) {
    s.rec.evaluated(check);
    let got = resp
        .json()
        .ok()
        .and_then(|b| b.get("error").and_then(Value::as_str).map(str::to_string));
    if !statuses.contains(&resp.status) || got.as_deref() != Some(error) {
        let expected: Vec<String> = statuses.iter().map(u16::to_string).collect();
        s.rec
            .violation(check, format!("{what} was not refused as required"))
            .at(format!("response → {}", resp.status))
            .expected(format!("{} with error={error}", expected.join(" or ")))
            .found(format!(
                "{} with error={}",
                resp.status,
                got.as_deref().unwrap_or("(none)")
            ))
            .exchange(&resp.exchange);
    }
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The authorization URL for `client` with the given (already chosen) parameters.
fn authorization_url(s: &Session<'_>, params: &[(&str, &str)]) -> Option<String> {
    let base = s.endpoints.authorization.clone()?;
    let mut url = url::Url::parse(&base).ok()?;
    url.query_pairs_mut().extend_pairs(params);
    Some(url.to_string())
}

/// Sends an authorization request without following the answer; `None` when it could not be sent.
async fn authorize_get(
    s: &mut Session<'_>,
    check: &'static Check,
    params: &[(&str, &str)],
) -> Option<(Resp, Option<url::Url>)> {
    let Some(url) = authorization_url(s, params) else {
        s.rec.skip(check, "no authorization URL");
        return None;
    };
    let resp = s.send(check, Req::new("GET", url)).await?;
    let location = (300..400)
        .contains(&resp.status)
        .then(|| resp.header("location").and_then(|l| url::Url::parse(l).ok()))
        .flatten();
    Some((resp, location))
}

fn query(u: &url::Url) -> HashMap<String, String> {
    u.query_pairs().into_owned().collect()
}

/// The query of an authorization request (RFC 6749 §4.1.1), with PKCE S256 when `challenge` is given.
fn authz_params<'a>(
    client_id: &'a str,
    redirect_uri: &'a str,
    scope: &'a str,
    state: &'a str,
    challenge: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", scope),
        ("state", state),
    ];
    if let Some(ch) = challenge {
        params.extend([("code_challenge", ch), ("code_challenge_method", "S256")]);
    }
    params
}

/// How an authorization server answered a request a conformant server must refuse.
enum Answer {
    /// Redirected to the client with a code: the request was granted.
    Code { location: String, exchange: String },
    /// Redirected to the client with an error (`error` holds its value).
    Error { error: String },
    /// Refused with an error status or page and no redirect.
    Refused,
    /// Not judged: a login or consent page the harness cannot get past, or no answer from the person.
    Undetermined(String),
}

/// Sends a request a conformant server refuses, and tells what came of it. A login or consent page is not a refusal:
/// in interactive mode the person is asked to take the request through the browser (told what it is for and what a
/// conformant server does), and the loopback listener sees where the browser lands; elsewhere it stays undetermined.
async fn refused_request(
    s: &mut Session<'_>,
    check: &'static Check,
    params: &[(&str, &str)],
    redirect_to: &str,
    why: &str,
) -> Option<Answer> {
    let (resp, location) = authorize_get(s, check, params).await?;
    if let Some(l) = location.filter(|l| l.as_str().starts_with(redirect_to)) {
        let q = query(&l);
        return Some(match (q.get("code"), q.get("error")) {
            (Some(_), _) => Answer::Code {
                location: l.to_string(),
                exchange: resp.exchange.clone(),
            },
            (None, Some(e)) => Answer::Error { error: e.clone() },
            (None, None) => Answer::Undetermined(format!("a redirect without code or error: {l}")),
        });
    }
    if (400..600).contains(&resp.status) {
        return Some(Answer::Refused);
    }
    let page = format!(
        "the authorization server answered {} {} (a login or consent page), not a redirect",
        resp.status,
        resp.header("location").unwrap_or_default()
    );
    if s.target.auth.mode != AuthMode::Interactive {
        return Some(Answer::Undetermined(format!(
            "{page}; only an interactive login (auth.mode = \"interactive\") can take it further"
        )));
    }
    let url = authorization_url(s, params)?;
    let callback = s.callback.as_ref()?;
    s.approvals += 1;
    s.say(&format!(
        "\napproval {} — {check}: {why}; a conformant server refuses it.\n\
         Open this URL in a browser, log in and approve if the provider lets you:\n  {url}\n\
         If it shows an error instead, open {} to say so. Waiting …",
        s.approvals, callback.refused_uri
    ));
    let wait = Duration::from_secs(s.target.auth.login_timeout_secs.unwrap_or(300));
    let callback = s.callback.as_ref()?;
    Some(match callback.wait(wait).await {
        Ok(arrival) if arrival.path == "/refused" => Answer::Undetermined(format!(
            "{page}; the person reported an error page, which the harness did not see itself"
        )),
        Ok(arrival) => match (arrival.query.get("code"), arrival.query.get("error")) {
            (Some(_), _) => Answer::Code {
                location: format!("{}?{}", arrival.path, show_query(&arrival.query)),
                exchange: String::new(),
            },
            (None, Some(e)) => Answer::Error { error: e.clone() },
            (None, None) => Answer::Undetermined(format!("the browser reached {} without code or error", arrival.path)),
        },
        Err(e) => Answer::Undetermined(format!("{page}; {e}")),
    })
}

/// A callback query for a finding, codes shortened: the point is that one was issued.
fn show_query(q: &HashMap<String, String>) -> String {
    let mut pairs: Vec<String> = q
        .iter()
        .map(|(k, v)| {
            if k == "code" {
                format!("{k}=…")
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    pairs.sort();
    pairs.join("&")
}

/// Judges one check from the answers of its requests: a granted code fails it; it passes only when every request
/// was seen refused; anything undetermined leaves it a Skip with the reason.
fn judge(
    s: &mut Session<'_>,
    check: &'static Check,
    answers: Vec<(String, Answer)>,
    accept_error: impl Fn(&str) -> bool,
) {
    let mut open = Vec::new();
    let mut failed = false;
    for (label, answer) in answers {
        match answer {
            Answer::Code { location, exchange } => {
                failed = true;
                s.rec
                    .violation(check, format!("the authorization request {label} was granted a code"))
                    .at("authorization redirect → query code")
                    .expected("a refusal: an error redirect or error page, no code")
                    .found(location)
                    .exchange(&exchange);
            }
            Answer::Error { error } if !accept_error(&error) => {
                failed = true;
                s.rec
                    .violation(
                        check,
                        format!("the authorization request {label} was refused with error={error}"),
                    )
                    .at("authorization redirect → query error")
                    .found(error);
            }
            Answer::Error { .. } | Answer::Refused => {}
            Answer::Undetermined(why) => open.push(format!("{label}: {why}")),
        }
    }
    if !open.is_empty() && !failed {
        s.rec.undetermined(check, format!("undetermined — {}", open.join("; ")));
    } else {
        s.rec.evaluated(check);
    }
}

pub(super) async fn probe_unregistered_redirect(s: &mut Session<'_>) {
    let Some(client) = s.client.clone() else { return };
    let Some(unregistered) = s.callback.as_ref().map(|c| c.unregistered_uri.clone()) else {
        return;
    };
    let state = s.fresh("state");
    let ch = challenge(&s.fresh("verifier"));
    let scope = readonly_scope(s);
    let params = authz_params(&client.id, &unregistered, &scope, &state, Some(&ch));
    let why = "this request names a redirect_uri the client never registered";
    let Some(answer) = refused_request(s, &ids::OAUTH_AUTHZ_003, &params, &unregistered, why).await else {
        return;
    };
    // Any redirect to the unregistered URI is the violation, an error redirect included (RFC 6749 §4.1.2.1).
    let answer = match answer {
        Answer::Error { error } => Answer::Code {
            location: format!("{unregistered}?error={error}"),
            exchange: String::new(),
        },
        other => other,
    };
    let label = "with an unregistered redirect_uri".to_string();
    judge(s, &ids::OAUTH_AUTHZ_003, vec![(label, answer)], |_| true);
}

pub(super) async fn probe_pkce_required(s: &mut Session<'_>) {
    let Some(client) = s.client.clone() else { return };
    let scope = readonly_scope(s);
    let verifier = s.fresh("verifier");
    let plain = verifier.clone();
    let mut answers = Vec::new();
    for (label, why, extra) in [
        (
            "without code_challenge",
            "this request has no PKCE code_challenge",
            vec![],
        ),
        (
            "with code_challenge_method=plain",
            "this request uses PKCE method plain, not S256",
            vec![("code_challenge", plain.as_str()), ("code_challenge_method", "plain")],
        ),
    ] {
        let state = s.fresh("state");
        let mut params = authz_params(&client.id, &client.redirect_uri, &scope, &state, None);
        params.extend(extra);
        let Some(answer) = refused_request(s, &ids::OAUTH_PKCE_001, &params, &client.redirect_uri, why).await else {
            return;
        };
        answers.push((label.to_string(), answer));
    }
    judge(s, &ids::OAUTH_PKCE_001, answers, |_| true);
}

pub(super) async fn probe_unknown_scope(s: &mut Session<'_>) {
    let Some(client) = s.client.clone() else { return };
    let state = s.fresh("state");
    let ch = challenge(&s.fresh("verifier"));
    let scope = "https://purl.imsglobal.org/spec/ob/v3p0/scope/clr-harness.unknown";
    let params = authz_params(&client.id, &client.redirect_uri, scope, &state, Some(&ch));
    let why = "this request asks for a scope the server does not know";
    let Some(answer) = refused_request(s, &ids::OAUTH_TOKEN_005, &params, &client.redirect_uri, why).await else {
        return;
    };
    let label = "for an unknown scope".to_string();
    judge(s, &ids::OAUTH_TOKEN_005, vec![(label, answer)], |e| {
        e == "invalid_scope"
    });
}

/// Obtains an authorization code for `scope` (auto-consent or a person), checking the redirect (`AUTHZ-001/002`).
pub(super) async fn grant(s: &mut Session<'_>, scope: &str, purpose: &str) -> Option<Grant> {
    let client = s.client.clone()?;
    let state = s.fresh("state");
    let verifier = format!("{}{}", s.fresh("verifier-a"), s.fresh("verifier-b"));
    let ch = challenge(&verifier);
    let params = authz_params(&client.id, &client.redirect_uri, scope, &state, Some(&ch));
    let (q, exchange) = if s.target.auth.mode == AuthMode::Interactive {
        let url = authorization_url(s, &params)?;
        s.approvals += 1;
        s.say(&format!(
            "\napproval {} — {purpose}: a valid request; approve it, and a conformant server redirects back with a code.\n\
             Open this URL in a browser and approve:\n  {url}\nWaiting for the redirect to {} …",
            s.approvals, client.redirect_uri
        ));
        let wait = Duration::from_secs(s.target.auth.login_timeout_secs.unwrap_or(300));
        let callback = s.callback.as_ref()?;
        match callback.wait(wait).await {
            Ok(arrival) if arrival.path == "/callback" => (arrival.query, String::new()),
            Ok(arrival) => {
                let why = format!(
                    "the valid authorization request ({purpose}) did not come back to the client: the person reported an error page ({})",
                    arrival.path
                );
                s.rec.error(&ids::OAUTH_AUTHZ_001, why);
                return None;
            }
            Err(e) => {
                s.rec.error(&ids::OAUTH_AUTHZ_001, e);
                return None;
            }
        }
    } else {
        let (resp, location) = authorize_get(s, &ids::OAUTH_AUTHZ_001, &params).await?;
        match location.filter(|l| l.as_str().starts_with(&client.redirect_uri)) {
            Some(l) => (query(&l), resp.exchange.clone()),
            None => {
                s.rec
                    .violation(&ids::OAUTH_AUTHZ_001, format!("the authorization request ({purpose}) was not answered with a redirect to the client"))
                    .at(format!("GET authorize → {}", resp.status))
                    .expected(format!("302 to {}?code=…&scope=…&state=…", client.redirect_uri))
                    .found(format!("{} {}", resp.status, resp.header("location").unwrap_or("(no Location)")))
                    .hint("auto-consent needs a provider that approves without a login page; use auth.mode = \"interactive\" otherwise")
                    .exchange(&resp.exchange);
                return None;
            }
        }
    };
    s.rec.evaluated(&ids::OAUTH_AUTHZ_001);
    s.rec.evaluated(&ids::OAUTH_AUTHZ_002);
    if q.get("state") != Some(&state) {
        s.rec
            .violation(
                &ids::OAUTH_AUTHZ_002,
                format!("the authorization redirect ({purpose}) did not echo state"),
            )
            .at("redirect → query state")
            .expected(state.clone())
            .found(q.get("state").cloned().unwrap_or_else(|| "(absent)".into()))
            .exchange(&exchange);
    }
    let Some(code) = q.get("code").cloned() else {
        s.rec
            .violation(
                &ids::OAUTH_AUTHZ_001,
                format!("the authorization redirect ({purpose}) carries no code"),
            )
            .at("redirect → query")
            .expected("code=…")
            .found(format!("{q:?}"))
            .exchange(&exchange);
        return None;
    };
    let granted = match q.get("scope") {
        Some(g) => g.clone(),
        None => {
            s.rec
                .violation(
                    &ids::OAUTH_AUTHZ_001,
                    "the authorization redirect does not say which scope was granted",
                )
                .at("redirect → query scope")
                .expected("scope=…")
                .found("(absent)")
                .exchange(&exchange);
            scope.to_string()
        }
    };
    let asked: Vec<&str> = scope.split_whitespace().collect();
    if let Some(extra) = granted.split_whitespace().find(|g| !asked.contains(g)) {
        s.rec
            .violation(
                &ids::OAUTH_AUTHZ_001,
                format!("the granted scope includes `{extra}`, which was not requested"),
            )
            .at("redirect → query scope")
            .expected(format!("a subset of {scope}"))
            .found(granted.clone())
            .exchange(&exchange);
    }
    Some(Grant {
        code,
        verifier,
        scope: granted,
    })
}
