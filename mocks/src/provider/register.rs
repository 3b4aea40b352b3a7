//! The Service Description Document and dynamic client registration (RFC 7591 as profiled by the 1EdTech
//! Security Framework): every required field, arrays as arrays, https URLs on one host, supported values only.
//!
//! Registration is unauthenticated, so what one request may store is bounded: the body ([`MAX_REGISTRATION_BODY`]),
//! each member ([`MAX_FIELD_BYTES`], arrays [`MAX_ARRAY_VALUES`]), the number of members ([`MAX_MEMBERS`]), and the
//! number of clients kept (the provider's `max_clients`, oldest evicted). Oversized metadata is refused with RFC
//! 7591's `invalid_client_metadata` (`invalid_redirect_uri` for too many redirect URIs).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::api::{authorize, json_response};
use super::oauth::{body_error, oauth_error};
use super::store::Client;
use super::{Family, Provider, SCOPE_OPS, supported_scopes};
use clr_harness::vocab::REGISTRATION_METADATA;

use crate::faults::Fault;

pub(super) fn discovery(p: &Provider, family: Family, headers: &HeaderMap) -> Response {
    if p.has(Fault::DiscoveryRequiresAuth)
        && let Err(r) = authorize(p, headers, None)
    {
        return *r;
    }
    let base = p.base_url();
    let scopes: Map<String, Value> = SCOPE_OPS
        .iter()
        .filter(|op| !(p.has(Fault::SddMissingScopes) && **op == "profile.update"))
        .map(|op| (family.scope(op), Value::String(format!("Permission to {op}"))))
        .collect();
    let title = match family {
        Family::Ob30 => "clr-mocks reference provider (Open Badges 3.0)",
        Family::Clr20 => "clr-mocks reference provider (CLR 2.0)",
    };
    let sdd = json!({
        "openapi": "3.0.1",
        "info": {
            "title": title,
            "version": "1.0",
            "termsOfService": format!("{base}/terms"),
            "x-imssf-privacyPolicyUrl": format!("{base}/privacy"),
        },
        "servers": [ { "url": format!("{base}{}", family.path()) } ],
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
    let mut sdd = sdd;
    if p.has(Fault::SddMissingFields)
        && let Some(info) = sdd.get_mut("info").and_then(Value::as_object_mut)
    {
        info.remove("termsOfService");
    }
    json_response(p, StatusCode::OK, &sdd)
}

/// Largest registration request body, in bytes: a complete registration is well under 2 KiB.
pub const MAX_REGISTRATION_BODY: usize = 16 << 10;
/// Largest metadata value, in bytes: a string, each string of an array, or any other value as JSON text.
pub const MAX_FIELD_BYTES: usize = 2048;
/// Most values in one metadata array (`redirect_uris`, `contacts`, …).
pub const MAX_ARRAY_VALUES: usize = 10;
/// Most members in the registration object.
pub const MAX_MEMBERS: usize = 32;

/// The first member of `meta` that exceeds the size bounds: its name and why.
fn oversized(meta: &Map<String, Value>) -> Option<(&str, String)> {
    if meta.len() > MAX_MEMBERS {
        return Some(("", format!("the registration has more than {MAX_MEMBERS} members")));
    }
    let too_long = |v: &Value| match v {
        Value::String(s) => s.len() > MAX_FIELD_BYTES,
        other => other.to_string().len() > MAX_FIELD_BYTES,
    };
    meta.iter().find_map(|(name, value)| {
        let why = match value {
            Value::Array(a) if a.len() > MAX_ARRAY_VALUES => format!("{name} has more than {MAX_ARRAY_VALUES} values"),
            Value::Array(a) if a.iter().any(too_long) => {
                format!("a value of {name} is longer than {MAX_FIELD_BYTES} bytes")
            }
            Value::Array(_) => return None,
            v if too_long(v) => format!("{name} is longer than {MAX_FIELD_BYTES} bytes"),
            _ => return None,
        };
        Some((name.as_str(), why))
    })
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
    let body = match p.read_body(req.into_body(), MAX_REGISTRATION_BODY).await {
        Ok(b) => b,
        Err(e) => return body_error(&e, "invalid_client_metadata"),
    };
    let Ok(Value::Object(mut meta)) = serde_json::from_slice::<Value>(&body) else {
        return metadata_error("the registration request must be a JSON object");
    };
    if let Some((name, why)) = oversized(&meta) {
        return if name == "redirect_uris" {
            redirect_error(&why)
        } else {
            metadata_error(&why)
        };
    }
    if p.has(Fault::RegistrationAcceptsIncomplete) {
        meta.entry("client_name").or_insert(json!("unnamed client"));
    }
    let mut host = None;
    for name in REGISTRATION_METADATA {
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
                    _ if p.has(Fault::RegistrationAcceptsBadRedirect) => {}
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
    if !p.has(Fault::RegistrationResponseIncomplete) {
        meta.insert("client_id_issued_at".into(), json!(p.now()));
    }
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
    if let Err(e) = p.store.insert_client_capped(&client, p.max_clients) {
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
