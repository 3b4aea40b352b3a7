//! The token endpoint (authorization code and refresh grants, HTTP Basic client authentication) and revocation
//! (RFC 7009), plus the OAuth error and form helpers the other authorization-server endpoints share.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use super::store::{Client, GrantError, NewTokens, Redeem};
use super::{ACCESS_TOKEN_LIFETIME, BodyError, MAX_FORM, Provider};
use crate::faults::Fault;

pub(super) async fn not_allowed() -> Response {
    oauth_error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", "method not allowed")
}

pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
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

/// The OAuth error for a request body that could not be read: too large or unreadable (400), or too slow (408).
pub(super) fn body_error(e: &BodyError, error: &str) -> Response {
    match e {
        BodyError::TooLarge(max) => oauth_error(
            StatusCode::BAD_REQUEST,
            error,
            &format!("the request body is larger than {max} bytes"),
        ),
        BodyError::Read => oauth_error(StatusCode::BAD_REQUEST, error, "the request body could not be read"),
        BodyError::Timeout(after) => oauth_error(
            StatusCode::REQUEST_TIMEOUT,
            "invalid_request",
            &format!("the request body did not arrive within {} ms", after.as_millis()),
        ),
    }
}

pub(super) fn params(raw: &[u8]) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        map.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    map
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
            Ok(Some(c)) if c.secret == secret || p.has(Fault::ClientSecretNotChecked) => Some(c),
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
    let body = match p.read_body(req.into_body(), MAX_FORM).await {
        Ok(b) => b,
        Err(e) => return body_error(&e, "invalid_request"),
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
                now: if p.has(Fault::CodesNeverExpire) {
                    i64::MIN
                } else {
                    p.now()
                },
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
            let scope = if p.has(Fault::RefreshWidensScope) {
                None
            } else {
                get("scope")
            };
            // Rotation: every refresh answers a new refresh token and retires the one presented.
            let new = NewTokens {
                access,
                refresh: p.random(),
                access_expires_at: expires_at,
            };
            match p.store.refresh_rotating(refresh, &client.id, scope, &new) {
                Ok(Ok(mut t)) => {
                    if p.has(Fault::RefreshedTokenUnusable) {
                        t.token = p.random();
                    }
                    if p.has(Fault::RefreshWithoutAccessToken) {
                        let body = json!({"token_type": "Bearer", "refresh_token": new.refresh});
                        return (
                            StatusCode::OK,
                            [(header::CONTENT_TYPE, "application/json")],
                            body.to_string(),
                        )
                            .into_response();
                    }
                    (t, new.refresh)
                }
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
    let body = match p.read_body(req.into_body(), MAX_FORM).await {
        Ok(b) => b,
        Err(e) => return body_error(&e, "invalid_request"),
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
    if p.has(Fault::RevocationRejectsUnknown) && matches!(p.store.token(token), Ok(None)) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "unknown token");
    }
    match p.store.revoke(token, &client.id) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => oauth_error(StatusCode::INTERNAL_SERVER_ERROR, "server_error", &e.to_string()),
    }
}
