//! The authorization endpoint: request validation (registered redirect URI, state, PKCE S256, scope), immediate
//! consent for the configured user, or a login and consent page showing the client's registered details.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::oauth::params;
use super::store::{Client, CodeGrant};
use super::{BodyError, CODE_LIFETIME, MAX_FORM, Provider};
use crate::faults::Fault;

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!doctype html><title>Authorization error</title><h1>Authorization error</h1><p>{}</p>",
        html_escape(message)
    );
    (status, Html(body)).into_response()
}

/// A validated authorization request.
struct AuthzRequest {
    client: Client,
    redirect_uri: String,
    state: String,
    scope: String,
    challenge: String,
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    match url::Url::parse(redirect_uri) {
        Ok(mut u) => {
            u.query_pairs_mut().extend_pairs(pairs);
            Redirect::to(u.as_str()).into_response()
        }
        Err(_) => error_page(StatusCode::BAD_REQUEST, "the redirect URI is not a URL"),
    }
}

/// Checks an authorization request. Problems with the client or redirect URI get an error page (redirecting there
/// would hand the error to an unverified party); everything else redirects back with `error` and `state`.
fn validate(p: &Provider, q: &HashMap<String, String>) -> Result<AuthzRequest, Box<Response>> {
    let get = |k: &str| q.get(k).map(String::as_str).filter(|s| !s.is_empty());
    let client = match get("client_id").map(|id| p.store.client(id)) {
        Some(Ok(Some(c))) => c,
        Some(Err(e)) => return Err(Box::new(error_page(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()))),
        _ => {
            return Err(Box::new(error_page(
                StatusCode::BAD_REQUEST,
                "unknown or missing client_id",
            )));
        }
    };
    let Some(redirect_uri) = get("redirect_uri") else {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri is required",
        )));
    };
    let registered = client.redirect_uris().contains(&redirect_uri);
    let tolerated = p.has(Fault::RedirectUriNotChecked) && url::Url::parse(redirect_uri).is_ok();
    if !registered && !tolerated {
        return Err(Box::new(error_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri is not registered for this client",
        )));
    }
    let state = get("state");
    let fail = |error: &str, description: &str| {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(s) = state {
            pairs.push(("state", s));
        }
        Err(Box::new(redirect_with(redirect_uri, &pairs)))
    };
    let Some(state) = state else {
        return fail("invalid_request", "state is required");
    };
    match get("response_type") {
        Some("code") => {}
        None => return fail("invalid_request", "response_type is required"),
        Some(_) => return fail("unsupported_response_type", "only response_type=code is supported"),
    }
    // S256 is the only method accepted, so a challenge is a base64url SHA-256 digest (43 characters) or nothing.
    let challenge = get("code_challenge").filter(|c| super::valid_s256_challenge(c));
    let pkce_optional = p.has(Fault::PkceOptional);
    let Some(challenge) = challenge.or(pkce_optional.then_some("")) else {
        return match get("code_challenge") {
            None => fail("invalid_request", "code_challenge (PKCE) is required"),
            Some(_) => fail(
                "invalid_request",
                "code_challenge must be the base64url SHA-256 of the code_verifier: 43 characters (S256)",
            ),
        };
    };
    if get("code_challenge_method") != Some("S256") && !pkce_optional {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    let Some(scope) = get("scope") else {
        return fail("invalid_request", "scope is required");
    };
    let allowed = client.scopes();
    if scope.split_whitespace().any(|s| !allowed.contains(&s)) && !p.has(Fault::UnknownScopeGranted) {
        return fail("invalid_scope", "scope exceeds the client's registered scope");
    }
    Ok(AuthzRequest {
        redirect_uri: redirect_uri.to_string(),
        state: state.to_string(),
        scope: scope.split_whitespace().collect::<Vec<_>>().join(" "),
        challenge: challenge.to_string(),
        client,
    })
}

fn grant_code(p: &Provider, a: &AuthzRequest, user_id: &str) -> Response {
    let grant = CodeGrant {
        code: p.random(),
        client_id: a.client.id.clone(),
        redirect_uri: a.redirect_uri.clone(),
        user_id: user_id.to_string(),
        scope: a.scope.clone(),
        challenge: a.challenge.clone(),
        expires_at: p.now() + CODE_LIFETIME,
    };
    if let Err(e) = p.store.insert_code(&grant) {
        return redirect_with(
            &a.redirect_uri,
            &[("error", "server_error"), ("error_description", &e.to_string())],
        );
    }
    let mut pairs = vec![("code", grant.code.as_str())];
    if !p.has(Fault::ScopeNotReturned) {
        pairs.push(("scope", a.scope.as_str()));
    }
    let foreign = format!("not-{}", a.state);
    if p.has(Fault::ForeignState) {
        pairs.push(("state", foreign.as_str()));
    } else if !p.has(Fault::StateNotEchoed) {
        pairs.push(("state", a.state.as_str()));
    }
    redirect_with(&a.redirect_uri, &pairs)
}

pub(super) async fn authorize_get(State(p): State<Arc<Provider>>, req: Request) -> Response {
    let q = params(req.uri().query().unwrap_or("").as_bytes());
    let a = match validate(&p, &q) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    match p.auto_consent_user.as_deref().and_then(|u| p.user_by_login(u)) {
        Some(user) => grant_code(&p, &a, &user.id),
        None => consent_page(&a, &q, StatusCode::OK, ""),
    }
}

pub(super) async fn authorize_post(State(p): State<Arc<Provider>>, req: Request) -> Response {
    let body = match p.read_body(req.into_body(), MAX_FORM).await {
        Ok(b) => b,
        Err(BodyError::TooLarge(_)) => return error_page(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large"),
        Err(BodyError::Timeout(_)) => {
            return error_page(StatusCode::REQUEST_TIMEOUT, "the form did not arrive in time");
        }
        Err(BodyError::Read) => return error_page(StatusCode::BAD_REQUEST, "the form could not be read"),
    };
    let form = params(&body);
    let a = match validate(&p, &form) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    if form.get("decision").map(String::as_str) == Some("deny") {
        return redirect_with(&a.redirect_uri, &[("error", "access_denied"), ("state", &a.state)]);
    }
    let login = form.get("username").map(String::as_str).unwrap_or("");
    let password = form.get("password").map(String::as_str).unwrap_or("");
    match p.user_by_login(login).filter(|u| u.password == password) {
        Some(user) => grant_code(&p, &a, &user.id),
        None => consent_page(&a, &form, StatusCode::UNAUTHORIZED, "Unknown user or wrong password."),
    }
}

fn consent_page(a: &AuthzRequest, q: &HashMap<String, String>, status: StatusCode, message: &str) -> Response {
    let hidden: String = [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge",
        "code_challenge_method",
    ]
    .iter()
    .map(|k| {
        let v = q.get(*k).map(String::as_str).unwrap_or("");
        format!("<input type=\"hidden\" name=\"{k}\" value=\"{}\">", html_escape(v))
    })
    .collect();
    let c = &a.client;
    let scopes: String = a
        .scope
        .split_whitespace()
        .map(|s| format!("<li>{}</li>", html_escape(s)))
        .collect();
    let body = format!(
        "<!doctype html><title>Authorize {name}</title>\
         <h1><img src=\"{logo}\" alt=\"\" height=\"48\"> <a href=\"{uri}\">{name}</a> asks for access</h1>\
         <ul>{scopes}</ul><p><a href=\"{tos}\">Terms of service</a> · <a href=\"{policy}\">Privacy policy</a></p>\
         <p>{message}</p><form method=\"post\" action=\"/oauth/authorize\">{hidden}\
         <label>Username <input name=\"username\"></label> <label>Password <input type=\"password\" name=\"password\">\
         </label> <button name=\"decision\" value=\"allow\">Allow</button> \
         <button name=\"decision\" value=\"deny\">Deny</button></form>",
        name = html_escape(c.field("client_name")),
        logo = html_escape(c.field("logo_uri")),
        uri = html_escape(c.field("client_uri")),
        tos = html_escape(c.field("tos_uri")),
        policy = html_escape(c.field("policy_uri")),
        message = html_escape(message),
    );
    (status, Html(body)).into_response()
}
