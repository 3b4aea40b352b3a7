//! The reference CLR 1.0 REST API under `/ims/clr/v1p0`: discovery (a DiscoveryDocument), getClrs (a paged
//! ClrSet), getClr, postClr (201 created, 200 replaced, 304 identical) and deleteClr (204), guarded by the readonly,
//! replace and delete scopes of the shared authorization server; errors are imsx_StatusInfo bodies. CLRs live in the
//! provider's store beside the other APIs' credentials (family `clr10`), keyed by their id.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use clr_harness::api::clr10::{PATH, SCOPE_OPS, scope};
use clr_harness::ob2::CLR1_CONTEXT;
use serde_json::{Value, json};

use super::api::{authorize, body_error, json_response, status_info};
use super::store::Token;
use super::{DEFAULT_PAGE_SIZE, MAX_BODY, MAX_PAGE_SIZE, Provider};
use crate::faults::Fault;

/// The store's name for CLR 1.0 records.
const STORE: &str = "clr10";

pub(super) fn routes() -> Router<Arc<Provider>> {
    let na = |State(p): State<Arc<Provider>>| async move { not_allowed(&p) };
    Router::new()
        .route(
            &format!("{PATH}/discovery"),
            get(|State(p): State<Arc<Provider>>, h: HeaderMap| async move { discovery(&p, &h) }).fallback(na),
        )
        .route(
            &format!("{PATH}/clrs"),
            get(|State(p): State<Arc<Provider>>, req: Request| async move { get_clrs(&p, req) })
                .post(|State(p): State<Arc<Provider>>, req: Request| post_clr(p, req))
                .fallback(na),
        )
        .route(
            &format!("{PATH}/clrs/{{id}}"),
            get(|State(p): State<Arc<Provider>>, Path(id): Path<String>, h: HeaderMap| async move {
                get_clr(&p, &id, &h)
            })
            .delete(|State(p): State<Arc<Provider>>, Path(id): Path<String>, h: HeaderMap| async move {
                delete_clr(&p, &id, &h)
            })
            .fallback(na),
        )
}

/// An imsx_StatusInfo error of the CLR 1.0 API: its codeMinor vocabulary is closed, so an error it has no value
/// for (not found, method not allowed) carries none.
fn clr_error(p: &Provider, status: StatusCode, description: &str) -> Response {
    if p.has(Fault::ErrorWithoutStatusInfo) {
        return (status, description.to_string()).into_response();
    }
    let body = json!({"imsx_codeMajor": "failure", "imsx_severity": "error", "imsx_description": description});
    json_response(p, status, &body)
}

fn not_allowed(p: &Provider) -> Response {
    if p.has(Fault::WrongMethodAllowed) {
        return StatusCode::NO_CONTENT.into_response();
    }
    clr_error(p, StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this endpoint")
}

fn not_found(p: &Provider) -> Response {
    clr_error(p, StatusCode::NOT_FOUND, "the user holds no CLR with this id")
}

/// The payload of a compact JWS, parsed (the signature is not checked: the provider stores what it is given).
fn jws_payload(text: &str) -> Option<Value> {
    clr_harness::decode::CompactJws::parse(text)
        .ok()
        .map(|j| j.payload)
        .filter(Value::is_object)
}

/// Every scope the CLR 1.0 API uses.
pub fn scopes() -> Vec<String> {
    SCOPE_OPS.iter().map(|op| scope(op)).collect()
}

fn discovery(p: &Provider, headers: &HeaderMap) -> Response {
    if p.has(Fault::DiscoveryRequiresAuth)
        && let Err(r) = authorize(p, headers, None)
    {
        return *r;
    }
    let base = p.base_url();
    let offered: Vec<String> = SCOPE_OPS
        .iter()
        .filter(|op| !(p.has(Fault::SddMissingScopes) && **op == "delete"))
        .map(|op| scope(op))
        .chain(std::iter::once("offline_access".to_string()))
        .collect();
    let mut doc = json!({
        "@context": CLR1_CONTEXT,
        "type": "DiscoveryDocument",
        "name": "clr-mocks reference provider (CLR 1.0)",
        "authorizationUrl": format!("{base}/oauth/authorize"),
        "tokenUrl": format!("{base}/oauth/token"),
        "registrationUrl": format!("{base}/oauth/register"),
        "privacyPolicyUrl": format!("{base}/privacy"),
        "termsOfServiceUrl": format!("{base}/terms"),
        "scopesOffered": offered,
    });
    if p.has(Fault::SddMissingFields)
        && let Some(o) = doc.as_object_mut()
    {
        o.remove("privacyPolicyUrl");
    }
    json_response(p, StatusCode::OK, &doc)
}

/// The request's token with `op`'s scope; under `clr10-unknown-token-accepted` an unknown bearer token is the first
/// test user's.
fn token(p: &Provider, headers: &HeaderMap, op: &str) -> Result<Token, Box<Response>> {
    match authorize(p, headers, Some(&scope(op))) {
        Err(r) if p.has(Fault::Clr10UnknownTokenAccepted) && r.status() == StatusCode::UNAUTHORIZED => {
            // Only a token the store has never seen (a revoked or expired one stays refused).
            let unknown = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .is_some_and(|(_, t)| matches!(p.store.token(t.trim()), Ok(None)));
            match p.users.first() {
                Some(user) if unknown => Ok(Token {
                    token: String::new(),
                    refresh: false,
                    client_id: String::new(),
                    user_id: user.id.clone(),
                    scope: scopes().join(" "),
                    expires_at: None,
                    revoked: false,
                    grant: String::new(),
                }),
                _ => Err(r),
            }
        }
        other => other,
    }
}

struct Page {
    limit: u64,
    offset: u64,
}

fn page(raw: Option<&str>, lenient: bool) -> Result<Page, String> {
    let mut q = Page {
        limit: DEFAULT_PAGE_SIZE,
        offset: 0,
    };
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match (k.as_ref(), v.parse::<u64>()) {
            ("limit", Ok(n)) if n >= 1 => q.limit = n.min(MAX_PAGE_SIZE),
            ("offset", Ok(n)) => q.offset = n,
            ("limit" | "offset", _) if !lenient => {
                return Err(format!(
                    "{k} must be a {} integer, got `{v}`",
                    if k == "limit" { "positive" } else { "non-negative" }
                ));
            }
            _ => {}
        }
    }
    Ok(q)
}

fn get_clrs(p: &Provider, req: Request) -> Response {
    let token = match token(p, req.headers(), "readonly") {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let q = match page(req.uri().query(), p.has(Fault::BadQueryAccepted)) {
        Ok(q) => q,
        Err(e) => return status_info(p, StatusCode::BAD_REQUEST, "invalid_query_parameter", &e),
    };
    let (total, stored) = match p
        .store
        .credentials(STORE, &token.user_id, None, q.offset, Some(q.limit))
    {
        Ok(x) => x,
        Err(e) => return super::api::internal(p, e),
    };
    let (mut clrs, mut signed) = (Vec::new(), Vec::new());
    for c in stored {
        if c.json {
            let mut clr: Value = serde_json::from_str(&c.body).unwrap_or(Value::Null);
            if p.has(Fault::Clr10ReturnedInvalid)
                && let Some(o) = clr.as_object_mut()
            {
                o.remove("publisher");
            }
            clrs.push(clr);
        } else {
            signed.push(Value::String(c.body));
        }
    }
    let mut body = json!({"@context": CLR1_CONTEXT, "type": "ClrSet", "clrs": clrs, "signedClrs": signed});
    if p.has(Fault::ExtraResponseProperty) {
        body["total"] = json!(total);
    }
    let mut r = json_response(p, StatusCode::OK, &body);
    let shown = if p.has(Fault::WrongTotalCount) {
        total + 1
    } else {
        total
    };
    r.headers_mut().insert("x-total-count", HeaderValue::from(shown));
    if let Ok(v) = HeaderValue::from_str(&links(p, &q, total)) {
        r.headers_mut().insert(header::LINK, v);
    }
    r
}

fn links(p: &Provider, q: &Page, total: u64) -> String {
    let url = |offset: u64| format!("{}{PATH}/clrs?limit={}&offset={offset}", p.base_url(), q.limit);
    let last = if total == 0 { 0 } else { (total - 1) / q.limit * q.limit };
    let mut out = Vec::new();
    if q.offset.saturating_add(q.limit) < total && !p.has(Fault::MissingLinkNext) {
        let step = if p.has(Fault::PagingOverlaps) {
            q.limit.saturating_sub(1)
        } else {
            q.limit
        };
        out.push(format!("<{}>; rel=\"next\"", url(q.offset.saturating_add(step))));
    }
    out.push(format!("<{}>; rel=\"last\"", url(last)));
    out.push(format!("<{}>; rel=\"first\"", url(0)));
    if q.offset > 0 {
        out.push(format!("<{}>; rel=\"prev\"", url(q.offset.saturating_sub(q.limit))));
    }
    out.join(", ")
}

/// The CLR a ClrPayload carries (`clr`, or the payload of `signedClr`), with what is stored for it.
struct Posted {
    clr: Value,
    /// The stored representation: the CLR's JSON, or the JWS.
    stored: String,
    json: bool,
}

fn posted(body: &[u8]) -> Result<Posted, &'static str> {
    let payload: Value = serde_json::from_slice(body).map_err(|_| "the body is not JSON")?;
    if let Some(clr) = payload.get("clr").filter(|c| c.is_object()) {
        return Ok(Posted {
            clr: clr.clone(),
            stored: clr.to_string(),
            json: true,
        });
    }
    let jws = payload
        .get("signedClr")
        .and_then(Value::as_str)
        .ok_or("a ClrPayload carries clr (an object) or signedClr (a compact JWS)")?;
    let claims = jws_payload(jws).ok_or("signedClr is not a compact JWS of a CLR")?;
    Ok(Posted {
        clr: claims,
        stored: jws.to_string(),
        json: false,
    })
}

async fn post_clr(p: Arc<Provider>, req: Request) -> Response {
    let p = &*p;
    let token = match token(p, req.headers(), "replace") {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let body = match p.read_body(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return body_error(p, e),
    };
    let posted = match posted(&body) {
        Ok(x) => x,
        Err(why) => return status_info(p, StatusCode::BAD_REQUEST, "invalid_data", why),
    };
    let missing: Vec<&str> = ["id", "issuedOn", "learner", "publisher"]
        .into_iter()
        .filter(|k| posted.clr.get(*k).is_none_or(Value::is_null))
        .collect();
    let Some(id) = posted
        .clr
        .get("id")
        .and_then(Value::as_str)
        .filter(|_| missing.is_empty())
    else {
        if p.has(Fault::MalformedUpsertAccepted) {
            return json_response(p, StatusCode::OK, &json!({"@context": CLR1_CONTEXT, "clr": posted.clr}));
        }
        let why = format!("the CLR lacks {}", missing.join(", "));
        return status_info(p, StatusCode::BAD_REQUEST, "invalid_data", &why);
    };
    let before = match p.store.credential_by_id(STORE, &token.user_id, id) {
        Ok(b) => b,
        Err(e) => return super::api::internal(p, e),
    };
    let identical = before.as_ref().is_some_and(|b| b.body == posted.stored);
    if identical || (before.is_some() && p.has(Fault::UpsertHeldNotModified)) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let issued = posted
        .clr
        .get("issuedOn")
        .and_then(Value::as_str)
        .and_then(clr_harness::datetime::epoch_seconds)
        .map(|s| s.floor() as i64);
    let created = match p
        .store
        .upsert_credential(STORE, &token.user_id, "", id, posted.json, &posted.stored, issued)
    {
        Ok(c) => c,
        Err(e) => return super::api::internal(p, e),
    };
    let status = if (created && !p.has(Fault::UpsertAlways200)) || p.has(Fault::UpsertAlways201) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let echo = if posted.json {
        json!({"@context": CLR1_CONTEXT, "clr": posted.clr})
    } else {
        json!({"@context": CLR1_CONTEXT, "signedClr": posted.stored})
    };
    json_response(p, status, &echo)
}

fn get_clr(p: &Provider, id: &str, headers: &HeaderMap) -> Response {
    let token = match token(p, headers, "readonly") {
        Ok(t) => t,
        Err(r) => return *r,
    };
    match p.store.credential_by_id(STORE, &token.user_id, id) {
        Ok(Some(c)) if c.json => {
            json_response(p, StatusCode::OK, &serde_json::from_str(&c.body).unwrap_or(Value::Null))
        }
        Ok(Some(c)) => {
            let claims = jws_payload(&c.body).unwrap_or(Value::Null);
            json_response(p, StatusCode::OK, &claims)
        }
        Ok(None) if p.has(Fault::Clr10UnknownClrFound) => {
            json_response(p, StatusCode::OK, &json!({"@context": CLR1_CONTEXT, "id": id}))
        }
        Ok(None) => not_found(p),
        Err(e) => super::api::internal(p, e),
    }
}

fn delete_clr(p: &Provider, id: &str, headers: &HeaderMap) -> Response {
    let token = match token(p, headers, "delete") {
        Ok(t) => t,
        Err(r) => return *r,
    };
    if p.has(Fault::Clr10DeleteKeeps) {
        return StatusCode::NO_CONTENT.into_response();
    }
    match p.store.delete_credential(STORE, &token.user_id, id) {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => not_found(p),
        Err(e) => super::api::internal(p, e),
    }
}
