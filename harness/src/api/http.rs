//! The HTTP client of a provider run: one request at a time, every exchange recorded with a curl command.
//!
//! The provider is untrusted. Redirects are never followed (the checks look at them instead), bodies stop at a
//! cap, every request has a deadline, and a URL on another host than the target's is only contacted when it is
//! https and resolves to public addresses (the connection is pinned to the addresses checked), unless the user
//! allowed that host. Compressed bodies are not asked for and not decoded, so a gzip bomb stays a small body.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clr_reports::Exchange;
use url::Url;

use crate::fetch::{AddressClass, RECORDED_BODY_BYTES, classify_ip};
use crate::redact::Recording;

const USER_AGENT: &str = concat!("clr-harness/", env!("CARGO_PKG_VERSION"));

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

/// Why a request got no response.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpFailure {
    #[error("not contacted: {0}")]
    NotAllowed(String),
    #[error("no response within {0:?}")]
    Timeout(Duration),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("{0}")]
    Other(String),
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
    ) -> Result<Self, HttpFailure> {
        let target = host_port(base_url).ok_or_else(|| HttpFailure::Other(format!("{base_url} has no host")))?;
        let mut roots = Vec::new();
        for pem in ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| HttpFailure::Other(format!("the CA certificate is not PEM: {e}")))?;
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
            recording,
        })
    }

    /// Everything sent so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// Sends `req`, records it, and returns the response (any status) or why there is none. The record has its
    /// secrets redacted; the response returned is the real one.
    pub async fn send(&self, req: Req) -> Result<Resp, HttpFailure> {
        let id = format!("api-{}", self.next_id.fetch_add(1, Ordering::Relaxed));
        let mut headers = req.headers.clone();
        headers.push(("User-Agent".into(), USER_AGENT.into()));
        let exchange = Exchange {
            id: id.clone(),
            method: req.method.into(),
            url: req.url.clone(),
            request_headers: headers.clone(),
            request_body: None,
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            response_body_truncated: false,
            error: Some(ABANDONED.into()),
            duration_ms: 0,
            curl: String::new(),
        };
        // The run's time budget drops this future mid-request when a provider stalls; the guard then still records
        // the exchange (as abandoned), so the report shows which request the run was waiting for.
        let mut pending = Pending {
            exchanges: &self.exchanges,
            exchange: Some(exchange),
            request_body: req.body.as_deref(),
            recording: &self.recording,
            started: Instant::now(),
        };
        let deadline = self.limits.request_timeout;
        let result = match tokio::time::timeout(deadline, self.exchange(&req, &headers)).await {
            Ok(r) => r,
            Err(_) => Err(HttpFailure::Timeout(deadline)),
        };
        let response_body = result.as_ref().ok().map(|r| r.body.as_slice());
        pending.record(response_body, |exchange| match &result {
            Ok(resp) => {
                exchange.error = None;
                exchange.status = Some(resp.status);
                exchange.response_headers = resp.headers.clone();
                // The body itself is set (redacted, then cut) by `record`.
                exchange.response_body_truncated = resp.over_limit;
            }
            Err(e) => exchange.error = Some(e.to_string()),
        });
        result.map(|mut r| {
            r.exchange = id;
            r
        })
    }

    async fn exchange(&self, req: &Req, headers: &[(String, String)]) -> Result<Resp, HttpFailure> {
        let url =
            Url::parse(&req.url).map_err(|e| HttpFailure::NotAllowed(format!("{} is not a URL: {e}", req.url)))?;
        let client = self.client_for(&url).await?;
        let method =
            reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| HttpFailure::Other(e.to_string()))?;
        let mut builder = client.request(method, url);
        for (n, v) in headers {
            builder = builder.header(n, v);
        }
        if let Some(b) = &req.body {
            builder = builder.body(b.clone());
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| classify(&e, self.limits.connect_timeout))?;
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let cap = usize::try_from(self.limits.max_body).unwrap_or(usize::MAX);
        let mut body = Vec::new();
        let mut over_limit = false;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| classify(&e, self.limits.connect_timeout))?
        {
            let room = cap.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                over_limit = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Resp {
            status,
            headers,
            body,
            over_limit,
            exchange: String::new(),
        })
    }

    async fn client_for(&self, url: &Url) -> Result<reqwest::Client, HttpFailure> {
        let hp = host_port(url).ok_or_else(|| HttpFailure::NotAllowed(format!("{url} has no host")))?;
        if let Some(c) = self.clients.lock().ok().and_then(|m| m.get(&hp).cloned()) {
            return Ok(c);
        }
        let trusted = hp == self.target
            || self
                .allowed_hosts
                .iter()
                .any(|h| *h == hp || Some(h.as_str()) == url.host_str());
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.limits.connect_timeout)
            .no_proxy();
        for root in &self.roots {
            builder = builder.add_root_certificate(root.clone());
        }
        if !trusted {
            let pinned = self.check_public(url).await?;
            if let (Some(host), false) = (url.host_str(), pinned.is_empty()) {
                builder = builder.resolve_to_addrs(host, &pinned);
            }
        }
        let client = builder
            .build()
            .map_err(|e| HttpFailure::Other(format!("HTTP client: {e}")))?;
        if let Ok(mut m) = self.clients.lock() {
            m.insert(hp, client.clone());
        }
        Ok(client)
    }

    /// A host other than the target is only contacted over https at public addresses; returns them for pinning.
    async fn check_public(&self, url: &Url) -> Result<Vec<SocketAddr>, HttpFailure> {
        if url.scheme() != "https" {
            return Err(HttpFailure::NotAllowed(format!(
                "{url} is on another host than the target and not https"
            )));
        }
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return Err(HttpFailure::NotAllowed(format!("{url} has no host")));
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> =
            tokio::time::timeout(self.limits.connect_timeout, tokio::net::lookup_host((host, port)))
                .await
                .map_err(|_| HttpFailure::Timeout(self.limits.connect_timeout))?
                .map_err(|e| HttpFailure::Connect(format!("cannot resolve {host}: {e}")))?
                .collect();
        for a in &addrs {
            let class = classify_ip(a.ip());
            if class != AddressClass::Public {
                return Err(HttpFailure::NotAllowed(format!(
                    "{host} is {}, {} (only the target's host may be non-public; allow it in the target file)",
                    a.ip(),
                    class.describe()
                )));
            }
        }
        Ok(addrs)
    }
}

/// What an exchange records when its request was dropped before an answer came.
const ABANDONED: &str = "abandoned without an answer: the run's time budget ran out while waiting";

/// An exchange on its way: recorded when the answer (or failure) comes, or when the request is dropped.
struct Pending<'a> {
    exchanges: &'a Mutex<Vec<Exchange>>,
    exchange: Option<Exchange>,
    /// The whole request body: its secrets are learned before it is cut.
    request_body: Option<&'a [u8]>,
    recording: &'a Recording,
    started: Instant,
}

impl Pending<'_> {
    /// Records the exchange once, after `fill` has added the outcome: secrets learned from the whole bodies and
    /// replaced, bodies cut, and the curl command built from the redacted parts.
    fn record(&mut self, response_body: Option<&[u8]>, fill: impl FnOnce(&mut Exchange)) {
        if let Some(mut e) = self.exchange.take() {
            e.duration_ms = self.started.elapsed().as_millis().try_into().unwrap_or(u64::MAX);
            fill(&mut e);
            self.recording
                .redactor
                .record(&mut e, self.request_body, response_body, RECORDED_BODY_BYTES);
            e.curl = curl(
                &e.method,
                &e.url,
                &e.request_headers,
                e.request_body.as_deref().map(str::as_bytes),
                self.recording.cacert_for(&e.url),
            );
            if let Ok(mut all) = self.exchanges.lock() {
                all.push(e);
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

fn recorded(b: &[u8]) -> &[u8] {
    &b[..b.len().min(RECORDED_BODY_BYTES)]
}

fn classify(e: &reqwest::Error, connect_timeout: Duration) -> HttpFailure {
    if e.is_timeout() {
        return HttpFailure::Timeout(connect_timeout);
    }
    // reqwest's own message ("error sending request for url …") does not say why; its causes do (a refused
    // connection, a TLS failure, an oversized or malformed response head), so every failure carries them.
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg = format!("{msg}: {s}");
        src = s.source();
    }
    if e.is_connect() {
        HttpFailure::Connect(msg)
    } else {
        HttpFailure::Other(msg)
    }
}

/// A curl command that repeats the request; `cacert` is the CA file an https request needs (`--cacert`).
pub fn curl(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    cacert: Option<&str>,
) -> String {
    let quote = crate::fetch::shell_quote;
    let mut cmd = format!("curl -sS -i --max-redirs 0 -X {method}");
    if let Some(ca) = cacert {
        cmd.push_str(&format!(" --cacert {}", quote(ca)));
    }
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("user-agent") {
            cmd.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
        }
    }
    if let Some(b) = body {
        cmd.push_str(&format!(
            " --data-binary {}",
            quote(&String::from_utf8_lossy(recorded(b)))
        ));
    }
    cmd.push(' ');
    cmd.push_str(&quote(url));
    cmd
}
