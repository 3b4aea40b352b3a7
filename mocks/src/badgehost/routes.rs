//! The badge host's HTTP routes: everything is built up front, so handlers only pick bytes and a content type.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use super::BadgeHost;

type St = State<Arc<BadgeHost>>;

/// The badge host's routes (see the [module docs](super) for the list).
pub fn router(host: Arc<BadgeHost>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/index.json", get(index))
        .route("/issuer", get(|State(h): St| async move { ld(&h.issuer) }))
        .route(
            "/issuer/revocations",
            get(|State(h): St| async move { ld(&h.revocation_list) }),
        )
        .route("/issuer/keys/{n}", get(key))
        .route("/badges/{slug}", get(badge_class))
        .route("/badges/{slug}/criteria", get(criteria))
        .route("/images/{file}", get(image))
        .route("/assertions/{file}", get(assertion))
        .route("/evidence/{name}", get(evidence))
        .fallback(|| async { not_found("path") })
        .with_state(host)
}

fn typed(content_type: &'static str, body: impl IntoResponse) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn ld(doc: &Value) -> Response {
    typed("application/ld+json", doc.to_string())
}

fn html(page: &str) -> Response {
    typed("text/html; charset=utf-8", page.to_string())
}

/// A 404 with an imsx_StatusInfo body, the JSON error every mock answers with (axum's default 404 is empty).
fn not_found(what: &str) -> Response {
    crate::server::status_info(StatusCode::NOT_FOUND, "not_found", &format!("no such {what}"))
}

async fn index(State(h): St) -> Response {
    typed("application/json", h.index.to_string())
}

async fn key(State(h): St, Path(n): Path<String>) -> Response {
    h.keys.get(&n).map_or_else(|| not_found("key"), ld)
}

async fn badge_class(State(h): St, Path(slug): Path<String>) -> Response {
    h.badge_classes.get(&slug).map_or_else(|| not_found("badge class"), ld)
}

async fn criteria(State(h): St, Path(slug): Path<String>) -> Response {
    h.pages
        .get(&format!("badges/{slug}/criteria"))
        .map_or_else(|| not_found("badge class"), |p| html(p))
}

async fn evidence(State(h): St, Path(name): Path<String>) -> Response {
    h.pages
        .get(&format!("evidence/{name}"))
        .map_or_else(|| not_found("evidence"), |p| html(p))
}

async fn image(State(h): St, Path(file): Path<String>) -> Response {
    h.images
        .get(&file)
        .map_or_else(|| not_found("image"), |(kind, bytes)| typed(kind, bytes.clone()))
}

/// `{name}` → hosted JSON, `{name}.jws` → signed JWS, `{name}.png` / `{name}.svg` → baked image.
async fn assertion(State(h): St, Path(file): Path<String>) -> Response {
    let (name, ext) = match file.rsplit_once('.') {
        Some((name, ext)) => (name, Some(ext)),
        None => (file.as_str(), None),
    };
    let Some(served) = h.assertions.get(name) else {
        return not_found("assertion");
    };
    match (ext, &served.jws) {
        // A signed assertion has a urn:uuid id: it is only ever seen inside its JWS.
        (None, None) => ld(&served.assertion),
        (Some("jws"), Some(jws)) => typed("text/plain; charset=utf-8", jws.clone()),
        (Some("png"), _) => typed("image/png", served.png.clone()),
        (Some("svg"), _) => typed("image/svg+xml", served.svg.clone()),
        _ => not_found("assertion form"),
    }
}
