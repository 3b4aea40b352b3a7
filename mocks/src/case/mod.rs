//! A CASE 1.0 provider: every GET endpoint of the 1EdTech OpenAPI under `/ims/case/v1p0`, serving a seeded
//! [`Framework`], plus `/uri/{identifier}` so CASE `uri`s (and alignment `targetUrl`s) resolve.
//!
//! Routes (all GET; other methods get 405 with an imsx_StatusInfo body; a `.json` suffix on an id is tolerated, as
//! OpenSALT does):
//! - `/ims/case/v1p0/CFDocuments` → `{"CFDocuments": [...]}` with `limit` (default 100, at most 1000: larger is
//!   clamped), `offset`, `sort`, `orderBy`, `filter`, `fields`, and `X-Total-Count` / `Link` (first, last, prev,
//!   next) headers
//! - `/ims/case/v1p0/CFDocuments/{id}`, `/CFItems/{id}`, `/CFAssociations/{id}`, `/CFLicenses/{id}`,
//!   `/CFAssociationGroupings/{id}`, `/CFRubrics/{id}` → the object
//! - `/ims/case/v1p0/CFPackages/{document id}` → `{CFDocument, CFItems, CFAssociations, CFDefinitions, CFRubrics}`
//! - `/ims/case/v1p0/CFItemAssociations/{item id}` → `{CFItem, CFAssociations}` (the item as origin or destination)
//! - `/ims/case/v1p0/CFConcepts/{id}`, `/CFSubjects/{id}`, `/CFItemTypes/{id}` → `{"CFConcepts": [...]}` etc.: the
//!   object then its children by `hierarchyCode`
//! - `/uri/{id}` → whichever object has that identifier
//!
//! Errors are imsx_StatusInfo (failure/error): 404 `unknownobject` for an unknown id, 404 `invaliduuid` for an id
//! that is not a UUID, 400 `invalid_selection_field` / `invalid_sort_field` / `invalid_filter_field` for bad
//! query parameters.
//!
//! Every `uri` (`CFDocumentURI.uri`, `CFPackageURI.uri` …) and `Link` URL names the server's base URL: the one it
//! is really reached at, scheme included. [`spawn_on`] and [`router_at`] take it from the configuration (the
//! address the listener is bound to, `https` when served with TLS), which is the only reliable source: HTTP/2 has no
//! `Host` header and HTTP/1.1 does not say whether it came over TLS. [`router`] alone, without a configured base,
//! falls back to the request: the `:scheme` and `:authority` of an HTTP/2 request, else `http://` and the `Host`
//! header; so a router served over HTTPS should be built with [`router_at`] (or started with [`spawn_on`]).

mod framework;
mod query;

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

pub use framework::{BASE, Framework, uuid};
use query::{Query, QueryError};

use crate::faults::{Fault, Faults};
use crate::server::{self, IntoListener, Running};
use crate::tls::MockCa;

const API: &str = "/ims/case/v1p0";

/// A request that gets an imsx_StatusInfo answer.
#[derive(Debug, thiserror::Error)]
#[error("{description}")]
pub struct StatusInfo {
    status: StatusCode,
    minor: &'static str,
    description: String,
    /// Fault `case-error-bad-codemajor`: a codeMajor outside the vocabulary.
    bad_major: bool,
}

impl StatusInfo {
    fn new(status: StatusCode, minor: &'static str, description: impl Into<String>) -> Self {
        StatusInfo {
            status,
            minor,
            description: description.into(),
            bad_major: false,
        }
    }

    /// This answer as the faults of `served` deform it.
    fn under(mut self, faults: &Faults) -> Self {
        self.bad_major = faults.has(Fault::CaseErrorBadCodeMajor);
        match self.minor {
            "unknownobject" if faults.has(Fault::CaseUnknownAsInvalidUuid) => self.minor = "invaliduuid",
            "invaliduuid" if faults.has(Fault::CaseInvalidUuidAsUnknown) => self.minor = "unknownobject",
            _ => {}
        }
        self
    }

    fn unknown(id: &str) -> Self {
        if is_uuid(id) {
            StatusInfo::new(
                StatusCode::NOT_FOUND,
                "unknownobject",
                format!("no object has the identifier {id:?}"),
            )
        } else {
            StatusInfo::new(StatusCode::NOT_FOUND, "invaliduuid", format!("{id:?} is not a UUID"))
        }
    }
}

impl From<QueryError> for StatusInfo {
    fn from(e: QueryError) -> Self {
        StatusInfo::new(StatusCode::BAD_REQUEST, e.code_minor(), e.to_string())
    }
}

impl IntoResponse for StatusInfo {
    fn into_response(self) -> Response {
        let body = json!({
            "imsx_codeMajor": if self.bad_major { "error" } else { "failure" },
            "imsx_severity": "error",
            "imsx_description": self.description,
            "imsx_codeMinor": {"imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": self.minor}
            ]},
        });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response()
    }
}

fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// What the handlers share: the content, and the base URL its URIs name when one is configured.
struct Served {
    framework: Framework,
    base: Option<String>,
    faults: Faults,
}

/// The CASE server for `framework`, naming the base URL each request was sent to (see the module documentation:
/// right over plain HTTP and over HTTP/2, not over HTTP/1.1 with TLS). Prefer [`router_at`] or [`spawn_on`].
pub fn router(framework: Framework) -> Router {
    routes(Served {
        framework,
        base: None,
        faults: Faults::none(),
    })
}

/// The CASE server for `framework`, whose URIs and links start with `base_url` (e.g. `https://127.0.0.1:8443`),
/// whatever the requests say.
pub fn router_at(framework: Framework, base_url: &str) -> Router {
    router_with_faults(framework, base_url, Faults::none())
}

/// [`router_at`], committing the CASE faults in `faults` (the others are ignored).
pub fn router_with_faults(framework: Framework, base_url: &str, faults: Faults) -> Router {
    routes(Served {
        framework,
        base: Some(base_url.trim_end_matches('/').to_string()),
        faults: faults.iter().filter(|f| f.is_case()).collect(),
    })
}

/// Serves the CASE server for `framework` on `listener`, over HTTPS with a certificate from `tls` when given. Its
/// URIs name the base URL it is served at ([`Running::base_url`]): the listener's address, `https://` with TLS.
pub async fn spawn_on(
    listener: impl IntoListener,
    framework: Framework,
    tls: Option<&MockCa>,
) -> std::io::Result<Running> {
    spawn_with_faults(listener, framework, tls, Faults::none()).await
}

/// [`spawn_on`], committing the CASE faults in `faults`.
pub async fn spawn_with_faults(
    listener: impl IntoListener,
    framework: Framework,
    tls: Option<&MockCa>,
    faults: Faults,
) -> std::io::Result<Running> {
    let listener = listener.into_listener()?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    server::spawn_on(
        listener,
        router_with_faults(framework, &format!("{scheme}://{addr}"), faults),
        tls,
    )
    .await
}

fn routes(served: Served) -> Router {
    let state = Arc::new(served);
    Router::new()
        .route(
            &format!("{API}/CFDocuments"),
            get(documents).fallback(method_not_allowed),
        )
        .route(
            &format!("{API}/{{kind}}/{{id}}"),
            get(object).fallback(method_not_allowed),
        )
        .route("/uri/{id}", get(by_uri).fallback(method_not_allowed))
        .fallback(|| async { StatusInfo::new(StatusCode::NOT_FOUND, "unknownobject", "no such endpoint") })
        .with_state(state)
}

async fn method_not_allowed() -> Response {
    let mut r = StatusInfo::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "unsupported",
        "CASE 1.0 endpoints are GET only",
    )
    .into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    r
}

type Fw = State<Arc<Served>>;

/// The base URL the answer names in place of [`BASE`]: the configured one, else the one the request was sent to.
struct Base(String);

impl FromRequestParts<Arc<Served>> for Base {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, served: &Arc<Served>) -> Result<Self, Self::Rejection> {
        Ok(Base(match &served.base {
            Some(base) => base.clone(),
            None => request_base(&parts.uri, &parts.headers),
        }))
    }
}

/// The base URL a request was sent to: the scheme and authority of an HTTP/2 request (`:scheme`, `:authority`; it
/// has no `Host` header), else `http://` and the `Host` header (HTTP/1.1 does not say whether TLS carried it).
fn request_base(uri: &Uri, headers: &HeaderMap) -> String {
    let (scheme, authority) = match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => (scheme, authority.as_str()),
        _ => (
            "http",
            headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or_default(),
        ),
    };
    // Only a plain authority goes into the JSON text, so a hostile Host header cannot inject anything.
    let plain = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    let scheme = if scheme == "https" { "https" } else { "http" };
    format!("{scheme}://{}", if plain { authority } else { "localhost" })
}

fn json_response(served: &Served, base: &str, body: &Value) -> Response {
    let mut r = json_text(base, body);
    if served.faults.has(Fault::CaseWrongContentType) {
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    }
    r
}

fn json_text(base: &str, body: &Value) -> Response {
    // The base goes into JSON text: escape it as a JSON string would (without the quotes), so a configured base with
    // a quote or backslash cannot break the document.
    let escaped = serde_json::to_string(base).unwrap_or_default();
    let escaped = escaped.trim_matches('"');
    let text = body.to_string().replace(BASE, escaped);
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

async fn documents(State(served): Fw, Base(base): Base, RawQuery(raw): RawQuery) -> Result<Response, StatusInfo> {
    let fw = &served.framework;
    let faults = &served.faults;
    let ignored = |k: &str, v: &str| match k {
        "orderBy" => faults.has(Fault::CaseOrderIgnored),
        "fields" => faults.has(Fault::CaseBlankFieldsAccepted) && v.trim().is_empty(),
        _ => false,
    };
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(raw.as_deref().unwrap_or_default().as_bytes())
        .into_owned()
        .filter(|(k, v)| !ignored(k, v))
        .collect();
    let mut query = Query::parse(&pairs).map_err(|e| StatusInfo::from(e).under(faults))?;
    let mut selected = query.select(&fw.documents);
    let unknown_field =
        |r: &Result<Vec<Value>, QueryError>| r.as_ref().is_err_and(|e| e.code_minor() == "invalid_filter_field");
    if faults.has(Fault::CaseUnknownFilterAccepted) && unknown_field(&selected) {
        pairs.retain(|(k, _)| k != "filter");
        query = Query::parse(&pairs).map_err(|e| StatusInfo::from(e).under(faults))?;
        selected = query.select(&fw.documents);
    }
    let selected = selected.map_err(|e| StatusInfo::from(e).under(faults))?;
    let page = query.page(&selected);
    let body = if pairs.is_empty() && faults.has(Fault::CaseDocumentsBareArray) {
        Value::Array(page)
    } else {
        json!({"CFDocuments": page})
    };
    let mut response = json_response(&served, &base, &body);
    let total = selected.len() + usize::from(faults.has(Fault::CaseWrongTotalCount));
    let links = paging_links(&base, &pairs, &query, total);
    let h = response.headers_mut();
    h.insert("X-Total-Count", HeaderValue::from(total));
    if let Ok(v) = HeaderValue::from_str(&links) {
        h.insert(header::LINK, v);
    }
    Ok(response)
}

/// RFC 8288 links to the first, last, previous and next pages, keeping the other parameters.
fn paging_links(base: &str, pairs: &[(String, String)], q: &Query, total: usize) -> String {
    let limit = q.page_size();
    let url = |offset: usize| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs.iter().filter(|(k, _)| k != "limit" && k != "offset") {
            s.append_pair(k, v);
        }
        s.append_pair("limit", &limit.to_string())
            .append_pair("offset", &offset.to_string());
        format!("<{base}{API}/CFDocuments?{}>", s.finish())
    };
    let last = total.saturating_sub(1) / limit * limit;
    let mut links = vec![
        format!("{}; rel=\"first\"", url(0)),
        format!("{}; rel=\"last\"", url(last)),
    ];
    if q.offset > 0 {
        links.push(format!("{}; rel=\"prev\"", url(q.offset.saturating_sub(limit))));
    }
    if q.offset.saturating_add(limit) < total {
        links.push(format!("{}; rel=\"next\"", url(q.offset.saturating_add(limit))));
    }
    links.join(", ")
}

fn find<'a>(list: &'a [Value], id: &str) -> Option<&'a Value> {
    list.iter().find(|v| v["identifier"] == id)
}

async fn object(
    State(served): Fw,
    Base(base): Base,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, StatusInfo> {
    let fw = &served.framework;
    let faults = &served.faults;
    let id = id.strip_suffix(".json").unwrap_or(&id);
    let one = |list: &[Value]| {
        find(list, id)
            .cloned()
            .ok_or_else(|| StatusInfo::unknown(id).under(faults))
    };
    let set = |name: &str, list: &[Value]| -> Result<Value, StatusInfo> {
        let members = with_children(list, id).map_err(|e| e.under(faults))?;
        Ok(match members.first() {
            Some(first) if faults.has(Fault::CaseDefinitionsUnwrapped) => first.clone(),
            _ => json!({ name: members }),
        })
    };
    let body = match kind.as_str() {
        "CFDocuments" if faults.has(Fault::CaseDocumentWithoutPackageLink) => {
            framework::without(&one(&fw.documents)?, &["CFPackageURI"])
        }
        "CFDocuments" => one(&fw.documents)?,
        "CFItems" if faults.has(Fault::CaseWrongItem) => {
            let at = fw
                .items
                .iter()
                .position(|v| v["identifier"] == id)
                .ok_or_else(|| StatusInfo::unknown(id).under(faults))?;
            fw.items[(at + 1) % fw.items.len()].clone()
        }
        "CFItems" if faults.has(Fault::CaseStaleItem) => {
            let mut item = one(&fw.items)?;
            item["fullStatement"] = format!("{} (revised)", item["fullStatement"].as_str().unwrap_or_default()).into();
            item
        }
        "CFItems" => one(&fw.items)?,
        "CFAssociations" => one(&fw.associations)?,
        "CFLicenses" => one(&fw.licenses)?,
        "CFAssociationGroupings" => one(&fw.groupings)?,
        "CFRubrics" => one(&fw.rubrics)?,
        "CFConcepts" => set("CFConcepts", &fw.concepts)?,
        "CFSubjects" => set("CFSubjects", &fw.subjects)?,
        "CFItemTypes" => set("CFItemTypes", &fw.item_types)?,
        "CFItemAssociations" => {
            let item = one(&fw.items)?;
            let origin_only = faults.has(Fault::CaseItemAssociationsOriginOnly);
            let touches = |a: &&Value| {
                a["originNodeURI"]["identifier"] == id || (!origin_only && a["destinationNodeURI"]["identifier"] == id)
            };
            let associations: Vec<Value> = fw
                .associations
                .iter()
                .filter(touches)
                .map(|a| framework::without(a, &["CFDocumentURI"]))
                .collect();
            json!({"CFItem": item, "CFAssociations": associations})
        }
        "CFPackages" => {
            let asked = if faults.has(Fault::CasePackageOtherDocument) {
                fw.documents
                    .first()
                    .and_then(|d| d["identifier"].as_str())
                    .unwrap_or(id)
            } else {
                id
            };
            let mut p = package(fw, asked).map_err(|e| e.under(faults))?;
            if faults.has(Fault::CasePackageExtraProperty)
                && let Some(d) = find(&fw.documents, asked)
            {
                p["CFDocument"]["CFPackageURI"] = d["CFPackageURI"].clone();
            }
            p
        }
        _ => {
            return Err(
                StatusInfo::new(StatusCode::NOT_FOUND, "unknownobject", format!("no endpoint {kind:?}")).under(faults),
            );
        }
    };
    Ok(json_response(&served, &base, &body))
}

/// The object then its children: those whose `hierarchyCode` extends its own.
fn with_children(list: &[Value], id: &str) -> Result<Vec<Value>, StatusInfo> {
    let first = find(list, id).ok_or_else(|| StatusInfo::unknown(id))?;
    let prefix = format!("{}.", first["hierarchyCode"].as_str().unwrap_or_default());
    let children = list
        .iter()
        .filter(|v| v["hierarchyCode"].as_str().is_some_and(|c| c.starts_with(&prefix)));
    Ok(std::iter::once(first).chain(children).cloned().collect())
}

fn package(fw: &Framework, id: &str) -> Result<Value, StatusInfo> {
    let document = find(&fw.documents, id).ok_or_else(|| StatusInfo::unknown(id))?;
    let in_document = |v: &&Value| v["CFDocumentURI"]["identifier"] == id;
    let items: Vec<Value> = fw
        .items
        .iter()
        .filter(in_document)
        .map(|i| framework::without(i, &["CFDocumentURI"]))
        .collect();
    let associations: Vec<Value> = fw
        .associations
        .iter()
        .filter(in_document)
        .map(|a| framework::without(a, &["CFDocumentURI"]))
        .collect();
    // The rubric assesses items of the main framework only.
    let rubrics: Vec<Value> = if fw.documents.first() == Some(document) {
        fw.rubrics.clone()
    } else {
        vec![]
    };
    Ok(json!({
        "CFDocument": framework::without(document, &["CFPackageURI"]),
        "CFItems": items,
        "CFAssociations": associations,
        "CFDefinitions": {
            "CFConcepts": fw.concepts, "CFSubjects": fw.subjects, "CFLicenses": fw.licenses,
            "CFItemTypes": fw.item_types, "CFAssociationGroupings": fw.groupings,
        },
        "CFRubrics": rubrics,
    }))
}

async fn by_uri(State(served): Fw, Base(base): Base, Path(id): Path<String>) -> Result<Response, StatusInfo> {
    let fw = &served.framework;
    let id = id.strip_suffix(".json").unwrap_or(&id);
    if served.faults.has(Fault::CaseUriUnresolvable) {
        return Err(
            StatusInfo::new(StatusCode::NOT_FOUND, "unknownobject", "the resolver knows nothing").under(&served.faults),
        );
    }
    let lists = [
        &fw.items,
        &fw.documents,
        &fw.associations,
        &fw.concepts,
        &fw.subjects,
        &fw.licenses,
        &fw.item_types,
        &fw.groupings,
        &fw.rubrics,
    ];
    // Rubric criteria and levels have uris of their own too (alignments name them).
    let criteria = fw
        .rubrics
        .iter()
        .filter_map(|r| r["CFRubricCriteria"].as_array())
        .flatten();
    let levels = criteria
        .clone()
        .filter_map(|c| c["CFRubricCriterionLevels"].as_array())
        .flatten();
    let found = lists
        .iter()
        .find_map(|l| find(l, id))
        .or_else(|| criteria.clone().find(|c| c["identifier"] == id))
        .or_else(|| levels.clone().find(|l| l["identifier"] == id))
        .ok_or_else(|| StatusInfo::unknown(id).under(&served.faults))?;
    Ok(json_response(&served, &base, found))
}
