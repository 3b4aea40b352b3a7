//! The authorization server (1EdTech Security Framework profile of OAuth 2.0): the Service Description Document,
//! dynamic client registration (RFC 7591), the authorization endpoint with PKCE S256 and a login/consent page,
//! the token endpoint (code and refresh grants, HTTP Basic client auth) and revocation (RFC 7009).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::api::{authorize, json_response};
use super::store::{Client, CodeGrant, GrantError, NewTokens, Redeem};
use super::{ACCESS_TOKEN_LIFETIME, CODE_LIFETIME, Family, Provider, SCOPE_OPS, read_body, supported_scopes};
use crate::faults::Fault;

pub(super) async fn not_allowed() -> Response {
    oauth_error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", "method not allowed")
}

pub(super) fn discovery(p: &Provider, family: Family, headers: &HeaderMap) -> Response {
    if p.has(Fault::DiscoveryRequiresAuth)
        && let Err(r) = authorize(p, headers, None)
    {
        return *r;
    }
    let base = p.base_url();
    let scopes: Map<String, Value> = SCOPE_OPS
        .iter()
        .map(|op| (family.scope(op), Value::String(format!("Permission to {op}"))))
        .collect();
    let title = match family {
        Family::Ob => "clr-mocks reference provider (Open Badges 3.0)",
        Family::Clr => "clr-mocks reference provider (CLR 2.0)",
    };
    let sdd = json!({
        "openapi": "3.0.1",
        "info": {
            "title": title,
            "version": "1.0",
            "termsOfService": format!("{base}/terms"),
            "x-imssf-privacyPolicyUrl": format!("{base}/privacy"),
        },
        "servers": [ { "url": format!("{base}{}", family.prefix()) } ],
        "paths": {},
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant with PKCE",
                    "x-imssf-registrationUrl": format!("{base}/oauth/register"),
                    "flows": { "authorizationCode": {
                        "authorizationUrl": format!("{base}/oauth/authorize"),
                        "tokenUrl": format!("{base}/oauth/token"),
                        "refreshUrl": format!("{base}/oauth/token"),
                        "scopes": scopes,
                    } }
                }
            },
            "schemas": {}
        }
    });
    json_response(p, StatusCode::OK, &sdd)
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description });
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

fn metadata_error(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_client_metadata", description)
}

fn redirect_error(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_redirect_uri", description)
}

/// An absolute http(s) URL; plain http only on loopback, where the harness's own clients listen.
fn web_url(s: &str) -> Option<url::Url> {
    let u = url::Url::parse(s).ok()?;
    let loopback = matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    (u.scheme() == "https" || (u.scheme() == "http" && loopback)).then_some(u)
}

fn string_array<'a>(v: Option<&'a Value>, name: &str) -> Result<Option<Vec<&'a str>>, String> {
    match v {
        None => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().ok_or_else(|| format!("{name} must be an array of strings")))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(format!("{name} must be an array, even for one value")),
    }
}

pub(super) async fn register(State(p): State<Arc<Provider>>, req: Request) -> Response {
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(_) => return metadata_error("the registration request body is too large or unreadable"),
    };
    let Ok(Value::Object(mut meta)) = serde_json::from_slice::<Value>(&body) else {
        return metadata_error("the registration request must be a JSON object");
    };
    let mut host = None;
    for name in [
        "client_name",
        "client_uri",
        "logo_uri",
        "tos_uri",
        "policy_uri",
        "software_id",
        "software_version",
    ] {
        let Some(value) = meta.get(name).and_then(Value::as_str).filter(|s| !s.trim().is_empty()) else {
            return metadata_error(&format!("{name} is required and must be a non-empty string"));
        };
        if name.ends_with("_uri") {
            let Some(u) = web_url(value) else {
                return metadata_error(&format!("{name} must be an https URL"));
            };
            let h = u.host_str().unwrap_or("").to_string();
            if host.get_or_insert_with(|| h.clone()) != &h {
                return metadata_error("all client URLs must share one hostname");
            }
        }
    }
    match string_array(meta.get("redirect_uris"), "redirect_uris") {
        Ok(Some(uris)) if !uris.is_empty() => {
            for uri in uris {
                match web_url(uri) {
                    Some(u) if u.fragment().is_none() && host.as_deref() == u.host_str() => {}
                    _ => {
                        return redirect_error(&format!(
                            "redirect URI `{uri}` is not an https URL on the client's host"
                        ));
                    }
                }
            }
        }
        Ok(_) => return redirect_error("redirect_uris is required"),
        Err(e) => return redirect_error(&e),
    }
    let Some(scope) = meta
        .get("scope")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
    else {
        return metadata_error("scope is required");
    };
    let known = supported_scopes();
    if let Some(bad) = scope.split_whitespace().find(|s| !known.iter().any(|k| k == s)) {
        return metadata_error(&format!("unsupported scope `{bad}`"));
    }
    let checks: [(&str, &[&str]); 3] = [
        ("grant_types", &["authorization_code", "refresh_token"]),
        ("response_types", &["code"]),
        ("contacts", &[]),
    ];
    for (name, allowed) in checks {
        match string_array(meta.get(name), name) {
            Err(e) => return metadata_error(&e),
            Ok(Some(values)) if !allowed.is_empty() => {
                if let Some(bad) = values.iter().find(|v| !allowed.contains(v)) {
                    return metadata_error(&format!("{name} value `{bad}` is not supported"));
                }
            }
            Ok(_) => {}
        }
    }
    match meta.get("token_endpoint_auth_method") {
        None => {}
        Some(Value::String(m)) if m == "client_secret_basic" => {}
        Some(_) => return metadata_error("token_endpoint_auth_method must be client_secret_basic"),
    }
    let client_id = p.random();
    let secret = p.random();
    meta.insert("client_id".into(), json!(client_id));
    meta.insert("client_secret".into(), json!(secret));
    meta.insert("client_id_issued_at".into(), json!(p.now()));
    meta.insert("client_secret_expires_at".into(), json!(0));
    meta.entry("token_endpoint_auth_method")
        .or_insert(json!("client_secret_basic"));
    meta.entry("grant_types")
        .or_insert(json!(["authorization_code", "refresh_token"]));
    meta.entry("response_types").or_insert(json!(["code"]));
    let metadata = Value::Object(meta);
    let client = Client {
        id: client_id,
        secret,
        metadata: metadata.clone(),
    };
    if let Err(e) = p.store.insert_client(&client) {
        return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e.to_string());
    }
    (
        StatusCode::CREATED,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        metadata.to_string(),
    )
        .into_response()
}

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
    let challenge = get("code_challenge").filter(|c| (43..=128).contains(&c.len()));
    let Some(challenge) = challenge else {
        return fail("invalid_request", "code_challenge (PKCE) is required");
    };
    if get("code_challenge_method") != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    let Some(scope) = get("scope") else {
        return fail("invalid_request", "scope is required");
    };
    let allowed = client.scopes();
    if scope.split_whitespace().any(|s| !allowed.contains(&s)) {
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
    let mut pairs = vec![("code", grant.code.as_str()), ("scope", a.scope.as_str())];
    if !p.has(Fault::StateNotEchoed) {
        pairs.push(("state", a.state.as_str()));
    }
    redirect_with(&a.redirect_uri, &pairs)
}

fn params(raw: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
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
    let Ok(body) = read_body(req.into_body()).await else {
        return error_page(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large");
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

/// The client authenticated by HTTP Basic, or the RFC 6749 §5.2 401 answer.
fn client_auth(p: &Provider, headers: &HeaderMap) -> Result<Client, Box<Response>> {
    let creds = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b64)| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    let client = creds
        .as_deref()
        .and_then(|c| c.split_once(':'))
        .and_then(|(id, secret)| match p.store.client(id) {
            Ok(Some(c)) if c.secret == secret => Some(c),
            _ => None,
        });
    client.ok_or_else(|| {
        let mut r = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"clr-mocks\""),
        );
        Box::new(r)
    })
}

fn grant_error(e: GrantError) -> Response {
    match e {
        GrantError::InvalidGrant => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the grant is invalid, expired, already used, or was issued to another client",
        ),
        GrantError::VerifierMissing => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code_verifier is required")
        }
        GrantError::InvalidScope => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "the requested scope exceeds the original grant",
        ),
    }
}

pub(super) async fn token(State(p): State<Arc<Provider>>, req: Request) -> Response {
    let client = match client_auth(&p, req.headers()) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(body) = read_body(req.into_body()).await else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the request body is too large or unreadable",
        );
    };
    let form = params(&body);
    let get = |k: &str| form.get(k).map(String::as_str).filter(|s| !s.is_empty());
    let access = p.random();
    let expires_at = p.now() + ACCESS_TOKEN_LIFETIME;
    let (issued, refresh) = match get("grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri)) = (get("code"), get("redirect_uri")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code and redirect_uri are required",
                );
            };
            let new = NewTokens {
                access,
                refresh: p.random(),
                access_expires_at: expires_at,
            };
            let redeem = Redeem {
                code,
                client_id: &client.id,
                redirect_uri,
                verifier: get("code_verifier"),
                now: p.now(),
                check_pkce: !p.has(Fault::PkceNotVerified),
                single_use: !p.has(Fault::AuthCodeReusable),
            };
            match p.store.redeem(&redeem, &new) {
                Ok(Ok(t)) => (t, new.refresh),
                Ok(Err(e)) => return grant_error(e),
                Err(e) => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e.to_string()),
            }
        }
        Some("refresh_token") => {
            let Some(refresh) = get("refresh_token") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token is required");
            };
            match p.store.refresh(refresh, &client.id, get("scope"), &access, expires_at) {
                Ok(Ok(t)) => (t, refresh.to_string()),
                Ok(Err(e)) => return grant_error(e),
                Err(e) => return oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e.to_string()),
            }
        }
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required"),
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "unsupported grant_type",
            );
        }
    };
    let body = json!({
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_LIFETIME,
        "scope": issued.scope,
        "refresh_token": refresh,
    });
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if !p.has(Fault::TokenCacheControlMissing) {
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r.headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    r
}

pub(super) async fn revoke(State(p): State<Arc<Provider>>, req: Request) -> Response {
    let client = match client_auth(&p, req.headers()) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let Ok(body) = read_body(req.into_body()).await else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the request body is too large or unreadable",
        );
    };
    let form = params(&body);
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "token is required");
    };
    match form.get("token_type_hint").map(String::as_str) {
        None | Some("access_token" | "refresh_token") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_token_type",
                "unsupported token_type_hint",
            );
        }
    }
    match p.store.revoke(token, &client.id) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e.to_string()),
    }
}
