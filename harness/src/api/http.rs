//! The HTTP client of a provider run: one request at a time, every exchange recorded with a curl command. It is
//! the one HTTP layer ([`crate::http`]) with a provider's rules:
//!
//! The provider is untrusted. Redirects are never followed (the checks look at them instead), bodies stop at a
//! cap, every request has a deadline, and a URL on another host than the target's is only contacted when it is
//! https and resolves to public addresses (the connection is pinned to the addresses checked), unless the user
//! allowed that host. Compressed bodies are not asked for and not decoded, so a gzip bomb stays a small body.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clr_reports::Exchange;
use url::Url;

use crate::http::client::{self, ClientSpec, OverLimit, Redirects, Request};
use crate::http::policy::{Reach, resolve_judged};
use crate::http::record::{Entry, USER_AGENT};
pub use crate::http::{Error as HttpError, curl};
use crate::redact::Recording;

/// Limits on what one provider may cost the run.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    pub connect_timeout: Duration,
    /// For one request: connection, response and body.
    pub request_timeout: Duration,
    /// Largest response body read, in bytes; the rest is dropped and the response marked over the limit.
    pub max_body: u64,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            max_body: 8 * 1024 * 1024,
        }
    }
}

/// A request to send.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Req {
    pub fn new(method: &'static str, url: impl Into<String>) -> Self {
        Req {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }

    pub fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self.header("Content-Type", content_type)
    }
}

/// A response of any status.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body was longer than [`HttpLimits::max_body`] and was cut there.
    pub over_limit: bool,
    /// Id of the recorded exchange.
    pub exchange: String,
}

impl Resp {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type of the body, lower case, without parameters.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type")
            .map(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    }

    /// The body as JSON, or why it is not.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        if self.over_limit {
            return Err(format!("the body is larger than the {} byte limit", self.body.len()));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            let start = String::from_utf8_lossy(&self.body[..self.body.len().min(80)]).into_owned();
            format!("the body is not JSON ({e}); it starts with {start:?}")
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends requests for one run and keeps their record.
pub struct ApiClient {
    limits: HttpLimits,
    /// `host:port` of the target: contacted whatever address it resolves to.
    target: String,
    allowed_hosts: Vec<String>,
    roots: Vec<reqwest::Certificate>,
    /// One client per host, pinned to the addresses checked for it (the target's client is not pinned).
    clients: Mutex<HashMap<String, reqwest::Client>>,
    exchanges: Mutex<Vec<Exchange>>,
    next_id: AtomicU64,
    /// Exchange ids are `{prefix}-{n}` (`api` unless told otherwise), so two runs in one report do not collide.
    id_prefix: &'static str,
    /// Secrets replaced in what is recorded, and the CA the curl commands name.
    recording: Recording,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("target", &self.target)
            .finish_non_exhaustive()
    }
}

/// `host:port` of a URL (port made explicit).
pub fn host_port(url: &Url) -> Option<String> {
    Some(format!("{}:{}", url.host_str()?, url.port_or_known_default()?))
}

impl ApiClient {
    /// A client for the provider at `base_url`; `ca_pem` adds trusted roots (e.g. the mocks' CA); `recording`
    /// says how exchanges are written down (secrets redacted, the CA file for curl).
    pub fn new(
        base_url: &Url,
        allowed_hosts: Vec<String>,
        ca_pem: &[Vec<u8>],
        limits: HttpLimits,
        recording: Recording,
    ) -> Result<Self, HttpError> {
        let setup = |reason: String| HttpError::Http {
            url: base_url.to_string(),
            reason,
        };
        let target = host_port(base_url).ok_or_else(|| setup(format!("{base_url} has no host")))?;
        let mut roots = Vec::new();
        for pem in ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| setup(format!("the CA certificate is not PEM: {e}")))?;
            roots.extend(certs);
        }
        Ok(ApiClient {
            limits,
            target,
            allowed_hosts,
            roots,
            clients: Mutex::new(HashMap::new()),
            exchanges: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
            id_prefix: "api",
            recording,
        })
    }

    /// Numbers this client's exchanges `{prefix}-1` … (another run's client in the same report uses another).
    pub fn with_id_prefix(mut self, prefix: &'static str) -> Self {
        self.id_prefix = prefix;
        self
    }

    /// Everything sent so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// Sends `req`, records it, and returns the response (any status) or why there is none. The record has its
    /// secrets redacted; the response returned is the real one.
    pub async fn send(&self, req: Req) -> Result<Resp, HttpError> {
        let id = format!("{}-{}", self.id_prefix, self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut headers = req.headers.clone();
        headers.push(("User-Agent".into(), USER_AGENT.into()));
        let mut entry = Entry::begin(id.clone(), req.method, &req.url, headers.clone());
        entry.failed(ABANDONED.into());
        // The run's time budget drops this future mid-request when a provider stalls; the guard then still records
        // the exchange (as abandoned), so the report shows which request the run was waiting for.
        let mut pending = Pending {
            exchanges: &self.exchanges,
            entry: Some(entry),
            request_body: req.body.as_deref(),
            recording: &self.recording,
        };
        let deadline = self.limits.request_timeout;
        let result = match tokio::time::timeout(deadline, self.exchange(&req, &headers)).await {
            Ok(r) => r,
            Err(_) => Err(HttpError::Timeout {
                url: req.url.clone(),
                after: deadline,
            }),
        };
        let response_body = result.as_ref().ok().map(|r| r.body.as_slice());
        pending.record(response_body, |entry| match &result {
            Ok(resp) => entry.answered(resp.status, &resp.headers, resp.over_limit),
            Err(e) => entry.failed(e.provider_text()),
        });
        result.map(|mut r| {
            r.exchange = id;
            r
        })
    }

    async fn exchange(&self, req: &Req, headers: &[(String, String)]) -> Result<Resp, HttpError> {
        let url = Url::parse(&req.url).map_err(|e| HttpError::NotAllowed {
            url: req.url.clone(),
            reason: format!("{} is not a URL: {e}", req.url),
        })?;
        let http = self.client_for(&url).await?;
        let request = Request {
            method: req.method,
            url,
            headers,
            body: req.body.as_deref(),
        };
        let timeouts = (self.limits.connect_timeout, self.limits.request_timeout);
        let response = client::send(&http, request, self.limits.max_body, OverLimit::Prefix, timeouts).await?;
        Ok(Resp {
            status: response.status,
            headers: response.headers,
            body: response.body,
            over_limit: response.over_limit.is_some(),
            exchange: String::new(),
        })
    }

    async fn client_for(&self, url: &Url) -> Result<reqwest::Client, HttpError> {
        let refuse = |reason: String| HttpError::NotAllowed {
            url: url.to_string(),
            reason,
        };
        let hp = host_port(url).ok_or_else(|| refuse(format!("{url} has no host")))?;
        if let Some(c) = self.clients.lock().ok().and_then(|m| m.get(&hp).cloned()) {
            return Ok(c);
        }
        let trusted = hp == self.target
            || self
                .allowed_hosts
                .iter()
                .any(|h| *h == hp || Some(h.as_str()) == url.host_str());
        let pinned = if trusted {
            Vec::new()
        } else {
            self.check_public(url).await?
        };
        let host = url.host_str().unwrap_or_default();
        let spec = ClientSpec {
            connect_timeout: self.limits.connect_timeout,
            total_timeout: None,
            redirects: Redirects::Never,
            roots: &self.roots,
            pin: (!pinned.is_empty()).then_some((host, pinned.as_slice())),
            system_proxy: false,
        };
        let http = client::build(&spec).map_err(|reason| HttpError::Http {
            url: url.to_string(),
            reason,
        })?;
        if let Ok(mut m) = self.clients.lock() {
            m.insert(hp, http.clone());
        }
        Ok(http)
    }

    /// A host other than the target is only contacted over https at public addresses; returns them for pinning.
    async fn check_public(&self, url: &Url) -> Result<Vec<SocketAddr>, HttpError> {
        let refuse = |reason: String| HttpError::NotAllowed {
            url: url.to_string(),
            reason,
        };
        if url.scheme() != "https" {
            return Err(refuse(format!(
                "{url} is on another host than the target and not https"
            )));
        }
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return Err(refuse(format!("{url} has no host")));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let word = |reason: String| {
            refuse(format!(
                "{reason} (only the target's host may be non-public; allow it in the target file)"
            ))
        };
        resolve_judged(
            url.as_str(),
            host,
            port,
            Reach::PUBLIC,
            self.limits.connect_timeout,
            word,
        )
        .await
    }
}

/// What an exchange records when its request was dropped before an answer came.
const ABANDONED: &str = "abandoned without an answer: the run's time budget ran out while waiting";

/// An exchange on its way: recorded when the answer (or failure) comes, or when the request is dropped.
struct Pending<'a> {
    exchanges: &'a Mutex<Vec<Exchange>>,
    entry: Option<Entry>,
    /// The whole request body: its secrets are learned before it is cut.
    request_body: Option<&'a [u8]>,
    recording: &'a Recording,
}

impl Pending<'_> {
    /// Records the exchange once, after `fill` has added the outcome.
    fn record(&mut self, response_body: Option<&[u8]>, fill: impl FnOnce(&mut Entry)) {
        if let Some(mut entry) = self.entry.take() {
            fill(&mut entry);
            let exchange = entry.finish(self.recording, self.request_body, response_body, None);
            if let Ok(mut all) = self.exchanges.lock() {
                all.push(exchange);
            }
        }
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        // Not recorded yet: the request was dropped mid-flight; the error set up front says so.
        self.record(None, |_| {});
    }
}

/// The imsx_StatusInfo fields with a closed vocabulary, and the values each allows.
pub(super) const STATUS_INFO_VOCABULARY: [(&str, &[&str]); 2] = [
    ("imsx_codeMajor", &["failure", "processing", "success", "unsupported"]),
    ("imsx_severity", &["error", "status", "warning"]),
];

/// The fields of an imsx_StatusInfo body outside their vocabulary: `(field, allowed values)`.
pub(super) fn status_info_out_of_vocabulary(body: &serde_json::Value) -> Vec<(&'static str, &'static [&'static str])> {
    STATUS_INFO_VOCABULARY
        .into_iter()
        .filter(|(field, allowed)| !body[*field].as_str().is_some_and(|v| allowed.contains(&v)))
        .collect()
}

/// The codeMinor values of an imsx_StatusInfo body.
pub(super) fn code_minors(body: &serde_json::Value) -> Vec<&str> {
    body.pointer("/imsx_codeMinor/imsx_codeMinorField")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f["imsx_codeMinorFieldValue"].as_str())
                .collect()
        })
        .unwrap_or_default()
}
