//! A recording tap on a mock server: every exchange a client has with it, in order — method, URL, headers, the
//! bodies (cut), status and time — as the same `Exchange` records the harness writes for its own requests. It is
//! how the harness sees a client it plays the server for (a consumer under test), and what an integrator reads to
//! see what their system sent.
//!
//! Bounded: it keeps the last [`Tap::capacity`] exchanges and counts the ones it let go; bodies are cut at
//! [`TAPPED_BODY_BYTES`]. The request body is copied as the handler reads it (never buffered ahead of it, so the
//! server's own body limits and read timeouts still decide), the response body once the handler has produced it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use clr_reports::Exchange;
use futures_util::StreamExt;

/// Body bytes kept per direction; the rest is dropped and the record marked truncated.
pub const TAPPED_BODY_BYTES: usize = 8 * 1024;

/// Exchanges a tap keeps by default.
pub const DEFAULT_CAPACITY: usize = 1_000;

/// Bytes of an upsert's body kept whole (a signed CLR with nested credentials is far over [`TAPPED_BODY_BYTES`]):
/// the provider's own body limit, so every upsert it accepted fits. And how many such bodies the tap keeps: what a
/// client submitted is judged as the credential it is.
pub const UPLOAD_BYTES: usize = crate::provider::MAX_BODY;
pub const KEPT_UPLOADS: usize = 32;

/// What a tap saw since a mark ([`Tap::snapshot`]).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// In the order the requests arrived.
    pub exchanges: Vec<Exchange>,
    /// When each request arrived (milliseconds since the tap began), by exchange id.
    pub started_ms: std::collections::HashMap<String, u64>,
    /// Requests since the mark the tap no longer holds (it was full), or still in flight.
    pub lost: u64,
}

/// The exchanges one server had, newest last.
#[derive(Debug)]
pub struct Tap {
    base_url: String,
    capacity: usize,
    /// Each exchange with when its request arrived, in milliseconds since the tap began (the consumer checks read
    /// how long a client waited).
    log: Mutex<VecDeque<(Exchange, u64)>>,
    epoch: Instant,
    next_id: AtomicU64,
    dropped: AtomicU64,
    /// The whole bodies of the last [`KEPT_UPLOADS`] upserts (`POST …/credentials`), by exchange id.
    uploads: Mutex<VecDeque<(String, Vec<u8>)>>,
}

impl Tap {
    /// A tap for the server at `base_url` keeping the last `capacity` exchanges (0: it records nothing).
    pub fn new(base_url: &str, capacity: usize) -> Arc<Tap> {
        Arc::new(Tap {
            base_url: base_url.trim_end_matches('/').to_string(),
            capacity,
            log: Mutex::new(VecDeque::new()),
            epoch: Instant::now(),
            next_id: AtomicU64::new(1),
            dropped: AtomicU64::new(0),
            uploads: Mutex::new(VecDeque::new()),
        })
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The exchanges kept, oldest first.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.log
            .lock()
            .map(|log| log.iter().map(|(e, _)| e.clone()).collect())
            .unwrap_or_default()
    }

    /// The whole body a client sent with the upsert recorded as exchange `id` (up to [`UPLOAD_BYTES`]), while the
    /// tap still keeps it.
    pub fn upload(&self, id: &str) -> Option<Vec<u8>> {
        let uploads = self.uploads.lock().ok()?;
        uploads.iter().find(|(k, _)| k == id).map(|(_, body)| body.clone())
    }

    fn keep_upload(&self, id: &str, body: Vec<u8>) {
        if let Ok(mut uploads) = self.uploads.lock() {
            while uploads.len() >= KEPT_UPLOADS {
                uploads.pop_front();
            }
            uploads.push_back((id.to_string(), body));
        }
    }

    /// Where the exchanges recorded from now on begin: [`Tap::since`] with this mark gives only those, however many
    /// older ones the tap has let go meanwhile.
    pub fn mark(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed)
    }

    /// The kept exchanges recorded at or after `mark`, in the order their requests arrived.
    pub fn since(&self, mark: u64) -> Vec<Exchange> {
        self.snapshot(mark).exchanges
    }

    /// One consistent view of what arrived since `mark`: the exchanges in the order their requests arrived (the log
    /// is in the order they were answered), when each arrived, and how many of them the tap has let go.
    pub fn snapshot(&self, mark: u64) -> Snapshot {
        let number = |e: &Exchange| e.id.strip_prefix("tap-").and_then(|n| n.parse::<u64>().ok());
        let mut kept: Vec<(u64, Exchange, u64)> = self
            .log
            .lock()
            .map(|log| {
                log.iter()
                    .filter_map(|(e, at)| number(e).filter(|n| *n >= mark).map(|n| (n, e.clone(), *at)))
                    .collect()
            })
            .unwrap_or_default();
        kept.sort_by_key(|(n, ..)| *n);
        // Ids start at 1: a mark of 0 means "from the beginning".
        let issued = self.next_id.load(Ordering::Relaxed).saturating_sub(mark.max(1));
        let lost = issued.saturating_sub(kept.len() as u64);
        let started_ms = kept.iter().map(|(_, e, at)| (e.id.clone(), *at)).collect();
        Snapshot {
            exchanges: kept.into_iter().map(|(_, e, _)| e).collect(),
            started_ms,
            lost,
        }
    }

    /// Exchanges let go because the tap was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn keep(&self, exchange: Exchange, started: Instant) {
        let at = started
            .saturating_duration_since(self.epoch)
            .as_millis()
            .try_into()
            .unwrap_or(u64::MAX);
        if self.capacity == 0 {
            return;
        }
        if let Ok(mut log) = self.log.lock() {
            while log.len() >= self.capacity {
                log.pop_front();
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            log.push_back((exchange, at));
        }
    }
}

/// The middleware: `router.layer(axum::middleware::from_fn_with_state(tap, tap::record))`.
pub async fn record(State(tap): State<Arc<Tap>>, request: Request, next: Next) -> Response {
    if tap.capacity == 0 {
        return next.run(request).await;
    }
    let started = Instant::now();
    let id = format!("tap-{}", tap.next_id.fetch_add(1, Ordering::Relaxed));
    let (parts, body) = request.into_parts();
    // Over HTTP/2 the request URI is absolute; the path and query are what the client asked for on this server.
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let url = format!("{}{target}", tap.base_url);
    let request_headers = headers(&parts.headers);
    let method = parts.method.to_string();
    // A copy of what the handler reads, up to the cap.
    let upsert = method == "POST" && parts.uri.path().trim_end_matches('/').ends_with("/credentials");
    let cap = if upsert { UPLOAD_BYTES } else { TAPPED_BODY_BYTES };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let copy = seen.clone();
    let body = Body::from_stream(body.into_data_stream().inspect(move |chunk| {
        if let (Ok(bytes), Ok(mut kept)) = (chunk, copy.lock()) {
            let room = (cap + 1).saturating_sub(kept.len());
            kept.extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
    }));
    let response = next.run(Request::from_parts(parts, body)).await;
    let (parts, body) = response.into_parts();
    // The mocks build their answers in memory; reading one back costs no more than it already did.
    let (response_body, answer) = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => (Some(bytes.clone()), Body::from(bytes)),
        Err(_) => (None, Body::empty()),
    };
    let request_body = seen.lock().map(|b| b.clone()).unwrap_or_default();
    let text = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(TAPPED_BODY_BYTES)]).into_owned();
    let exchange = Exchange {
        id,
        method,
        url,
        request_headers,
        request_body: (!request_body.is_empty()).then(|| text(&request_body)),
        status: Some(parts.status.as_u16()),
        response_headers: headers(&parts.headers),
        response_body: response_body.as_deref().map(text),
        response_body_truncated: response_body.as_ref().is_some_and(|b| b.len() > TAPPED_BODY_BYTES),
        request_body_truncated: request_body.len() > TAPPED_BODY_BYTES,
        error: response_body
            .is_none()
            .then(|| "the response body could not be read back".to_string()),
        duration_ms: started.elapsed().as_millis().try_into().unwrap_or(u64::MAX),
        curl: String::new(),
    };
    let mut exchange = exchange;
    // How to send the same request again (to reproduce what the client did).
    exchange.curl = clr_harness::http::curl(
        &exchange.method,
        &exchange.url,
        &exchange.request_headers,
        (!request_body.is_empty()).then_some(request_body.as_slice()),
        None,
    );
    // Only an upsert the provider accepted was read whole (a refused one may have been answered before its body).
    if upsert && parts.status.is_success() && request_body.len() <= UPLOAD_BYTES {
        tap.keep_upload(&exchange.id, request_body);
    }
    tap.keep(exchange, started);
    Response::from_parts(parts, answer)
}

fn headers(map: &axum::http::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}
