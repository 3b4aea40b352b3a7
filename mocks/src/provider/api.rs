//! The resource server: discovery, getCredentials (paged), upsertCredential, getProfile and putProfile, each
//! guarded by a bearer token carrying the operation's scope; errors are imsx_StatusInfo bodies.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::store::Token;
use super::{BodyError, DEFAULT_PAGE_SIZE, Family, MAX_BODY, MAX_PAGE_SIZE, Provider, Provocation};
use crate::faults::Fault;

pub(super) fn routes(family: Family) -> Router<Arc<Provider>> {
    let prefix = family.path();
    let na = move |State(p): State<Arc<Provider>>| async move { not_allowed(&p) };
    Router::new()
        .route(
            &format!("{prefix}/discovery"),
            get(move |State(p): State<Arc<Provider>>, h: HeaderMap| async move {
                super::register::discovery(&p, family, &h)
            })
            .fallback(na),
        )
        .route(
            &format!("{prefix}/credentials"),
            get(move |State(p): State<Arc<Provider>>, req: Request| async move { get_credentials(&p, family, req) })
                .post(move |State(p): State<Arc<Provider>>, req: Request| upsert(p, family, req))
                .fallback(na),
        )
        .route(
            &format!("{prefix}/profile"),
            get(move |State(p): State<Arc<Provider>>, h: HeaderMap| async move { get_profile(&p, family, &h) })
                .put(move |State(p): State<Arc<Provider>>, req: Request| put_profile(p, family, req))
                .fallback(na),
        )
}

/// An imsx_StatusInfo error response (or, under `error-without-statusinfo`, a bare text one).
pub(super) fn status_info(p: &Provider, status: StatusCode, minor: &str, description: &str) -> Response {
    if p.has(Fault::ErrorWithoutStatusInfo) {
        return (status, description.to_string()).into_response();
    }
    let body = json!({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": { "imsx_codeMinorField": [
            { "imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor }
        ] }
    });
    json_response(p, status, &body)
}

pub(super) fn json_response(p: &Provider, status: StatusCode, body: &Value) -> Response {
    raw_response(p, status, "application/json", body.to_string())
}

fn raw_response(p: &Provider, status: StatusCode, content_type: &'static str, body: String) -> Response {
    let ct = if p.has(Fault::WrongContentType) {
        "text/html"
    } else {
        content_type
    };
    (status, [(header::CONTENT_TYPE, ct)], body).into_response()
}

/// The answer to a path the provider does not serve.
pub(super) fn not_found(p: &Provider) -> Response {
    status_info(p, StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

pub(super) fn not_allowed(p: &Provider) -> Response {
    if p.has(Fault::WrongMethodAllowed) {
        return StatusCode::NO_CONTENT.into_response();
    }
    status_info(
        p,
        StatusCode::METHOD_NOT_ALLOWED,
        "not_allowed",
        "method not allowed on this endpoint",
    )
}

pub(super) fn internal(p: &Provider, e: impl std::fmt::Display) -> Response {
    status_info(
        p,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_server_error",
        &e.to_string(),
    )
}

fn unauthorized(p: &Provider, challenge: &'static str, description: &str) -> Response {
    let mut r = status_info(p, StatusCode::UNAUTHORIZED, "unauthorizedrequest", description);
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    r
}

/// The live access token on the request, if it carries `scope` (RFC 6750 §3.1 errors otherwise).
pub(super) fn authorize(p: &Provider, headers: &HeaderMap, scope: Option<&str>) -> Result<Token, Box<Response>> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim());
    let Some(bearer) = bearer else {
        if p.has(Fault::AnonymousAccess)
            && let Some(user) = p.users.first()
        {
            return Ok(Token {
                token: String::new(),
                refresh: false,
                client_id: String::new(),
                user_id: user.id.clone(),
                scope: super::supported_scopes().join(" "),
                expires_at: None,
                revoked: false,
                grant: String::new(),
            });
        }
        return Err(Box::new(unauthorized(
            p,
            "Bearer realm=\"clr-mocks\"",
            "a bearer access token is required",
        )));
    };
    let invalid = "Bearer realm=\"clr-mocks\", error=\"invalid_token\"";
    let token = match p.store.token(bearer) {
        Ok(Some(t)) if !t.refresh => t,
        Ok(_) => return Err(Box::new(unauthorized(p, invalid, "unknown access token"))),
        Err(e) => return Err(Box::new(internal(p, e))),
    };
    if token.revoked && !p.has(Fault::RevokedTokenAccepted) {
        return Err(Box::new(unauthorized(p, invalid, "the access token was revoked")));
    }
    if token.expires_at.is_some_and(|at| at <= p.now()) && !p.has(Fault::ExpiredTokenAccepted) {
        return Err(Box::new(unauthorized(p, invalid, "the access token has expired")));
    }
    if p.provoked.token_spent(&token.token) {
        return Err(Box::new(unauthorized(
            p,
            invalid,
            "the access token has expired (provoked: token-expiry)",
        )));
    }
    if let Some(scope) = scope
        && !token.scope.split_whitespace().any(|s| s == scope)
        && !p.has(Fault::ScopeNotEnforced)
    {
        let mut r = status_info(
            p,
            StatusCode::FORBIDDEN,
            "forbidden",
            &format!("the token lacks scope {scope}"),
        );
        let challenge = format!("Bearer realm=\"clr-mocks\", error=\"insufficient_scope\", scope=\"{scope}\"");
        if let Ok(v) = HeaderValue::from_str(&challenge) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        return Err(Box::new(r));
    }
    Ok(token)
}

struct Query {
    limit: Option<u64>,
    offset: u64,
    since: Option<(String, i64)>,
}

impl Query {
    /// The page size served: the requested `limit` up to [`MAX_PAGE_SIZE`], else [`DEFAULT_PAGE_SIZE`].
    fn page_size(&self) -> u64 {
        self.limit.unwrap_or(DEFAULT_PAGE_SIZE).min(MAX_PAGE_SIZE)
    }
}

fn parse_query(raw: Option<&str>) -> Result<Query, String> {
    let mut q = Query {
        limit: None,
        offset: 0,
        since: None,
    };
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "limit" => match v.parse::<u64>() {
                Ok(n) if n >= 1 => q.limit = Some(n),
                _ => return Err(format!("limit must be a positive integer, got `{v}`")),
            },
            "offset" => {
                q.offset = v
                    .parse()
                    .map_err(|_| format!("offset must be a non-negative integer, got `{v}`"))?
            }
            "since" => {
                let secs = clr_harness::datetime::epoch_seconds(&v)
                    .ok_or_else(|| format!("since must be an RFC 3339 date-time, got `{v}`"))?;
                q.since = Some((v.to_string(), secs.floor() as i64));
            }
            _ => {}
        }
    }
    Ok(q)
}

fn get_credentials(p: &Provider, family: Family, req: Request) -> Response {
    if p.provoked.throttle_now() {
        let mut r = status_info(
            p,
            StatusCode::TOO_MANY_REQUESTS,
            "server_busy",
            "too many requests (provoked: throttle); retry after the Retry-After delay",
        );
        r.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(super::provocations::RETRY_AFTER_SECS),
        );
        return r;
    }
    let token = match authorize(p, req.headers(), Some(&family.scope("credential.readonly"))) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let q = match parse_query(req.uri().query()) {
        Ok(q) => q,
        Err(_) if p.has(Fault::BadQueryAccepted) => Query {
            limit: None,
            offset: 0,
            since: None,
        },
        Err(e) => return status_info(p, StatusCode::BAD_REQUEST, "invalid_query_parameter", &e),
    };
    // One credential a page whatever the client asked: its Link URLs name the limit applied.
    let q = if p.provoked.has(Provocation::SmallPages) {
        Query { limit: Some(1), ..q }
    } else {
        q
    };
    let since = if p.has(Fault::SinceIgnored) {
        None
    } else {
        q.since.as_ref().map(|s| s.1)
    };
    let (total, page) = match p.store.credentials(
        super::store_key(family),
        &token.user_id,
        since,
        q.offset,
        Some(q.page_size()),
    ) {
        Ok(x) => x,
        Err(e) => return internal(p, e),
    };
    let (mut creds, mut jws) = (Vec::new(), Vec::new());
    for c in page {
        if c.json {
            creds.push(served(p, serde_json::from_str::<Value>(&c.body).unwrap_or(Value::Null)));
        } else if p.has(Fault::TamperedCredentials) {
            // Change the last signature character: the JWS still parses but no longer verifies.
            let mut body = c.body;
            let flipped = if body.ends_with('A') { 'B' } else { 'A' };
            body.pop();
            body.push(flipped);
            jws.push(Value::String(body));
        } else {
            jws.push(Value::String(c.body));
        }
    }
    let mut body = json!({ "credential": creds, "compactJwsString": jws });
    if p.has(Fault::ExtraResponseProperty) {
        body["total"] = json!(total);
    }
    let mut r = json_response(p, StatusCode::OK, &body);
    let shown_total = if p.has(Fault::WrongTotalCount) {
        total + 1
    } else {
        total
    };
    r.headers_mut().insert("x-total-count", HeaderValue::from(shown_total));
    if let Ok(v) = HeaderValue::from_str(&link_header(p, family, &q, total)) {
        r.headers_mut().insert(header::LINK, v);
    }
    r
}

/// A stored JSON credential as getCredentials serves it: unchanged, or broken by the credential faults.
fn served(p: &Provider, mut vc: Value) -> Value {
    if let Some(obj) = vc.as_object_mut() {
        if p.has(Fault::UnsignedCredentials) {
            obj.remove("proof");
        }
        if p.has(Fault::TamperedCredentials) {
            let name = obj
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("credential")
                .to_string();
            obj.insert("name".into(), Value::String(format!("{name} (altered after signing)")));
        }
    }
    vc
}

/// RFC 8288 links for the paging rels the spec names, with the page size served (the default page when the request
/// named no limit, the clamped one when it named too large a limit), so following rel=next reads every credential.
fn link_header(p: &Provider, family: Family, q: &Query, total: u64) -> String {
    let limit = q.page_size();
    let url = |offset: u64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        if let Some((since, _)) = &q.since {
            s.append_pair("since", since);
        }
        format!("{}{}/credentials?{}", p.base_url(), family.path(), s.finish())
    };
    let last = if total == 0 { 0 } else { (total - 1) / limit * limit };
    let mut links = Vec::new();
    if q.offset.saturating_add(limit) < total && !p.has(Fault::MissingLinkNext) {
        let step = if p.has(Fault::PagingOverlaps) {
            // With limit=1 the next link names the same page again: a loop a client must notice.
            limit.saturating_sub(1)
        } else {
            limit
        };
        links.push(format!("<{}>; rel=\"next\"", url(q.offset.saturating_add(step))));
    }
    links.push(format!("<{}>; rel=\"last\"", url(last)));
    links.push(format!("<{}>; rel=\"first\"", url(0)));
    if q.offset > 0 {
        links.push(format!("<{}>; rel=\"prev\"", url(q.offset.saturating_sub(limit))));
    }
    links.join(", ")
}

/// Identity and issuance date of an uploaded credential: (issuer id, credential id, validFrom as epoch seconds).
fn identify(vc: &Value) -> Option<(String, String, Option<i64>)> {
    let id = vc.get("id")?.as_str()?.to_string();
    let issuer = match vc.get("issuer")? {
        Value::String(s) => s.clone(),
        other => other.get("id")?.as_str()?.to_string(),
    };
    let date = vc
        .get("validFrom")
        .or_else(|| vc.get("issuanceDate"))
        .and_then(Value::as_str)
        .and_then(clr_harness::datetime::epoch_seconds)
        .map(|s| s.floor() as i64);
    Some((issuer, id, date))
}

/// Why a credential does not belong on `family`'s endpoint: a ClrCredential on the OB API, or an Open Badge
/// (OpenBadgeCredential / AchievementCredential, not a ClrCredential) on the CLR API.
fn wrong_family(family: Family, vc: &Value) -> Option<String> {
    let types: Vec<&str> = match vc.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let clr = types.contains(&"ClrCredential");
    let ob = types
        .iter()
        .any(|t| matches!(*t, "OpenBadgeCredential" | "AchievementCredential"));
    match family {
        Family::Ob30 if clr => {
            Some("a ClrCredential is upserted at /ims/clr/v2p0/credentials, not the OB 3.0 API".into())
        }
        Family::Clr20 if ob && !clr => Some(
            "an OpenBadgeCredential is upserted at /ims/ob/v3p0/credentials; the CLR 2.0 API takes ClrCredentials"
                .into(),
        ),
        _ => None,
    }
}

/// The credential inside a compact JWS payload (`vc` claim for VC-JWT 1.1 style, the payload itself otherwise).
fn jws_credential(text: &str) -> Option<Value> {
    let parts: Vec<&str> = text.split('.').collect();
    let [h, payload, sig] = parts.as_slice() else {
        return None;
    };
    if h.is_empty() || sig.is_empty() {
        return None;
    }
    URL_SAFE_NO_PAD.decode(h).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    match claims.get("vc") {
        Some(vc) if vc.is_object() => Some(vc.clone()),
        _ if claims.is_object() => Some(claims),
        _ => None,
    }
}

async fn upsert(p: Arc<Provider>, family: Family, req: Request) -> Response {
    let p = &*p;
    let token = match authorize(p, req.headers(), Some(&family.scope("credential.upsert"))) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let media = media_type(req.headers());
    let json = match media.as_str() {
        "application/json" | "application/vc+ld+json" => true,
        "text/plain" if p.has(Fault::JwsUpsertRefused) => {
            let msg = "this provider stores JSON credentials only";
            return status_info(p, StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_data", msg);
        }
        "text/plain" => false,
        other => {
            let msg =
                format!("Content-Type must be application/json, application/vc+ld+json or text/plain, not `{other}`");
            return status_info(p, StatusCode::BAD_REQUEST, "invalid_data", &msg);
        }
    };
    let body = match p.read_body(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return body_error(p, e),
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return status_info(p, StatusCode::BAD_REQUEST, "invalid_data", "the body is not UTF-8");
    };
    let vc = if json {
        serde_json::from_str::<Value>(text).ok().filter(Value::is_object)
    } else {
        jws_credential(text.trim())
    };
    let Some((issuer, id, date)) = vc.as_ref().and_then(identify) else {
        if p.has(Fault::MalformedUpsertAccepted) {
            return raw_response(p, StatusCode::OK, "application/json", text.to_string());
        }
        let msg = "the body is not a credential with an id and an issuer in the declared representation";
        return status_info(p, StatusCode::BAD_REQUEST, "invalid_data", msg);
    };
    if let Some(msg) = vc.as_ref().and_then(|vc| wrong_family(family, vc)) {
        return status_info(p, StatusCode::BAD_REQUEST, "invalid_data", &msg);
    }
    let stored = if json { text } else { text.trim() };
    let created = match p.store.upsert_credential(
        super::store_key(family),
        &token.user_id,
        &issuer,
        &id,
        json,
        stored,
        date,
    ) {
        Ok(c) => c,
        Err(e) => return internal(p, e),
    };
    if !created && p.has(Fault::UpsertHeldNotModified) {
        return raw_response(p, StatusCode::NOT_MODIFIED, "text/plain", String::new());
    }
    let status = if (created && !p.has(Fault::UpsertAlways200)) || p.has(Fault::UpsertAlways201) {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let ct = match media.as_str() {
        "application/vc+ld+json" => "application/vc+ld+json",
        "text/plain" => "text/plain",
        _ => "application/json",
    };
    raw_response(p, status, ct, text.to_string())
}

fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub(super) fn body_error(p: &Provider, e: BodyError) -> Response {
    match e {
        BodyError::TooLarge(max) => status_info(
            p,
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_data",
            &format!("request bodies are limited to {max} bytes"),
        ),
        BodyError::Timeout(after) => status_info(
            p,
            StatusCode::REQUEST_TIMEOUT,
            "invalid_data",
            &format!("the request body did not arrive within {} ms", after.as_millis()),
        ),
        BodyError::Read => status_info(
            p,
            StatusCode::BAD_REQUEST,
            "invalid_data",
            "the request body could not be read",
        ),
    }
}

fn get_profile(p: &Provider, family: Family, headers: &HeaderMap) -> Response {
    let token = match authorize(p, headers, Some(&family.scope("profile.readonly"))) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    match p.store.profile(&token.user_id) {
        Ok(Some(mut profile)) => {
            if p.has(Fault::ProfileWithoutType)
                && let Some(obj) = profile.as_object_mut()
            {
                obj.remove("type");
            }
            json_response(p, StatusCode::OK, &profile)
        }
        Ok(None) => status_info(p, StatusCode::NOT_FOUND, "unknown", "the user has no profile"),
        Err(e) => internal(p, e),
    }
}

async fn put_profile(p: Arc<Provider>, family: Family, req: Request) -> Response {
    let p = &*p;
    let token = match authorize(p, req.headers(), Some(&family.scope("profile.update"))) {
        Ok(t) => t,
        Err(r) => return *r,
    };
    let body = match p.read_body(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return body_error(p, e),
    };
    if p.has(Fault::PutProfileRefused) {
        return internal(p, "putProfile is broken (fault put-profile-refused)");
    }
    let profile = serde_json::from_slice::<Value>(&body).ok().filter(|v| {
        let is_profile = |t: &Value| t.as_str() == Some("Profile");
        v.get("id").is_some_and(Value::is_string)
            && v.get("type")
                .is_some_and(|t| is_profile(t) || t.as_array().is_some_and(|a| a.iter().any(is_profile)))
    });
    let Some(profile) = profile else {
        let msg = "the body must be a whole Profile (JSON object with id and type Profile)";
        return status_info(p, StatusCode::BAD_REQUEST, "invalid_data", msg);
    };
    if let Err(e) = p.store.put_profile(&token.user_id, &profile) {
        return internal(p, e);
    }
    json_response(p, StatusCode::OK, &profile)
}
