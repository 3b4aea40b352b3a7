//! A host of fixed documents: each path answers its body with its media type, anything else a 404. The verifier
//! conformance run serves its status lists from one (the issuer's 1EdTechRevocationList and BitstringStatusList), on
//! plain http at `127.0.0.1`, so any verifier on the machine can fetch them.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::server::{self, Running};

/// One document: its path (`/status/revocations`), media type and body.
#[derive(Debug, Clone)]
pub struct Document {
    pub path: String,
    pub content_type: String,
    pub body: String,
}

/// Serves `documents` on a bound `listener` (bind first when the documents must name the host's own URL).
pub async fn serve(listener: tokio::net::TcpListener, documents: Vec<Document>) -> std::io::Result<Running> {
    let table: BTreeMap<String, Document> = documents.into_iter().map(|d| (d.path.clone(), d)).collect();
    let router = Router::new().fallback(answer).with_state(Arc::new(table));
    server::spawn_on(listener, router, None).await
}

async fn answer(State(table): State<Arc<BTreeMap<String, Document>>>, uri: Uri) -> Response {
    match table.get(uri.path()) {
        Some(d) => (StatusCode::OK, [(header::CONTENT_TYPE, d.content_type.clone())], d.body.clone()).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"imsx_codeMajor":"failure","imsx_severity":"error","imsx_codeMinor":{"imsx_codeMinorField":[{"imsx_codeMinorFieldName":"TargetEndSystem","imsx_codeMinorFieldValue":"unknownobject"}]},"imsx_description":"no such document"}"#,
        )
            .into_response(),
    }
}
