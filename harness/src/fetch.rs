//! Fetching URLs found inside documents (keys, JWKS, status lists, refresh services, did:web) under a policy.
//!
//! Such URLs are chosen by whoever wrote the document, so a `kid` can point at a cloud metadata service or an
//! intranet host. The [`Fetcher`] decides before any connection is made: it checks the scheme and the host, resolves
//! the name itself, refuses non-public addresses, and pins the connection to the addresses it checked so a second
//! DNS answer (rebinding) cannot redirect it. Every attempt, refused or not, is recorded as an [`Exchange`].
//!
//! The HTTP core (`http_get`) is shared with the command line's own URL fetch in [`crate::input`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clr_reports::Exchange;
use url::Url;

use crate::redact::Recording;

/// Response bytes kept in a recorded exchange; the rest is marked truncated.
pub const RECORDED_BODY_BYTES: usize = 16 * 1024;

const USER_AGENT: &str = concat!("clr-harness/", env!("CARGO_PKG_VERSION"));

/// What the harness may fetch when a document names a URL.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Fetch from public hosts at all. Hosts in `allowed_hosts` are fetched even when this is off.
    pub allow_fetch: bool,
    /// Hosts (`name` or `name:port`) always fetched, over http too, whatever address they resolve to: the configured
    /// targets and loopback mocks. Loopback is reached only through this list.
    pub allowed_hosts: Vec<String>,
    /// Allow private, link-local, unspecified and other non-public addresses (not loopback).
    pub allow_private: bool,
    pub connect_timeout: Duration,
    /// For the whole attempt: resolution, connection, redirects and body.
    pub total_timeout: Duration,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
    /// Redirects followed, all to the same host.
    pub max_redirects: usize,
    /// `did:web` DIDs served from somewhere else, e.g. (`did:web:issuer.example`, `http://127.0.0.1:8080`).
    pub did_web_map: Vec<(String, String)>,
    /// Certificate authorities (PEM) trusted for https besides the system's, e.g. the CA a mock ecosystem generated
    /// at start. Add them with [`FetchPolicy::trust_pem`], which checks them.
    pub extra_roots_pem: Vec<String>,
    /// How exchanges are written down: secrets in URLs and cookies redacted, the CA file the curl commands name.
    pub recording: Recording,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            allow_fetch: false,
            allowed_hosts: Vec::new(),
            allow_private: false,
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            max_bytes: 2 * 1024 * 1024,
            max_redirects: 3,
            did_web_map: Vec::new(),
            extra_roots_pem: Vec::new(),
            recording: Recording::default(),
        }
    }
}

impl FetchPolicy {
    /// The default policy plus the host (and port) of `base_url`, typically a loopback mock server.
    pub fn allowing(base_url: &str) -> Self {
        let mut policy = FetchPolicy::default();
        policy.allow_host_of(base_url);
        policy
    }

    /// Adds the host and port of `base_url` to `allowed_hosts`; a URL without a host adds nothing.
    pub fn allow_host_of(&mut self, base_url: &str) {
        if let Some((host, port)) = Url::parse(base_url)
            .ok()
            .and_then(|u| Some((u.host_str()?.to_ascii_lowercase(), u.port_or_known_default()?)))
        {
            self.allowed_hosts.push(format!("{host}:{port}"));
        }
    }

    /// Trusts the certificates in `pem` (one or more `CERTIFICATE` blocks) as extra roots for https fetches.
    pub fn trust_pem(&mut self, pem: &str) -> Result<(), String> {
        parse_roots(pem)?;
        self.extra_roots_pem.push(pem.to_string());
        Ok(())
    }

    fn host_is_allowed(&self, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        let with_port = format!("{host}:{port}");
        self.allowed_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .any(|h| h == host || h == with_port)
    }
}

/// What kind of address a host resolved to, for the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Public,
    Loopback,
    /// RFC 1918, unique-local fc00::/7, carrier-grade NAT 100.64/10.
    Private,
    /// 169.254/16 (including the 169.254.169.254 metadata service) and fe80::/10.
    LinkLocal,
    Unspecified,
    /// Multicast, broadcast, documentation, benchmarking and reserved ranges.
    Reserved,
}

impl AddressClass {
    pub fn describe(self) -> &'static str {
        match self {
            AddressClass::Public => "a public address",
            AddressClass::Loopback => "a loopback address",
            AddressClass::Private => "a private address",
            AddressClass::LinkLocal => "a link-local address (cloud metadata services live here)",
            AddressClass::Unspecified => "the unspecified address",
            AddressClass::Reserved => "a reserved, multicast or documentation address",
        }
    }
}

/// Classifies an IP address; IPv4-mapped and NAT64 IPv6 addresses are judged by the IPv4 address inside.
pub fn classify_ip(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        _ if ip.is_unspecified() => AddressClass::Unspecified,
        (127, _, _) => AddressClass::Loopback,
        (10, _, _) | (192, 168, _) => AddressClass::Private,
        (172, 16..=31, _) | (100, 64..=127, _) => AddressClass::Private,
        (169, 254, _) => AddressClass::LinkLocal,
        (0, _, _) | (192, 0, 0) | (192, 0, 2) | (198, 18..=19, _) | (198, 51, 100) | (203, 0, 113) => {
            AddressClass::Reserved
        }
        (224..=255, _, _) => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = ip.segments();
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = s[6].to_be_bytes();
        let [c, d] = s[7].to_be_bytes();
        return classify_v4(Ipv4Addr::new(a, b, c, d));
    }
    match s[0] {
        _ if ip.is_unspecified() => AddressClass::Unspecified,
        _ if ip.is_loopback() => AddressClass::Loopback,
        x if x & 0xfe00 == 0xfc00 => AddressClass::Private,
        x if x & 0xffc0 == 0xfe80 => AddressClass::LinkLocal,
        x if x & 0xff00 == 0xff00 => AddressClass::Reserved,
        0x2001 if s[1] == 0x0db8 => AddressClass::Reserved,
        // Only 2000::/3 is globally routed unicast; the rest (IPv4-compatible ::/96 among them) is not public.
        x if x & 0xe000 != 0x2000 => AddressClass::Reserved,
        _ => AddressClass::Public,
    }
}

/// A fetch that did not produce a usable response. Messages read after "failed to …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The policy refused the URL before any connection: the caller reports a Skip with `reason`.
    #[error("fetch {url}: not allowed by the fetch policy: {reason}")]
    NotAllowed { url: String, reason: String },
    #[error("fetch {url}: not a valid URL: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("fetch {url}: could not resolve the host name: {reason}")]
    Resolve { url: String, reason: String },
    #[error("fetch {url}: could not connect within {} s (connect timeout)", .after.as_secs_f64())]
    ConnectTimeout { url: String, after: Duration },
    #[error("fetch {url}: no complete response within {} s (timeout)", .after.as_secs_f64())]
    Timeout { url: String, after: Duration },
    #[error("fetch {url}: connection refused")]
    ConnectionRefused { url: String },
    #[error("fetch {url}: could not connect: {reason}")]
    Connect { url: String, reason: String },
    #[error("fetch {url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("fetch {url}: the body is over the limit of {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("fetch {url}: redirect to {to} refused ({reason})")]
    RedirectRefused { url: String, to: String, reason: String },
    #[error("fetch {url}: more than {max} redirects")]
    TooManyRedirects { url: String, max: usize },
    #[error("fetch {url}: {reason}")]
    Http { url: String, reason: String },
}

impl FetchError {
    /// The policy's reason, when the fetch was refused rather than tried.
    pub fn not_allowed_reason(&self) -> Option<&str> {
        match self {
            FetchError::NotAllowed { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The harness could not get an answer (network, time or size limits), as opposed to an answer that is wrong.
    pub fn is_transport(&self) -> bool {
        !matches!(
            self,
            FetchError::NotAllowed { .. } | FetchError::InvalidUrl { .. } | FetchError::Status { .. }
        )
    }
}

/// A successful (2xx) response within the limits.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body came from, after redirects.
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    /// Id of the recorded [`Exchange`].
    pub exchange_id: String,
}

/// One fetch attempt: its outcome and its record.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub result: Result<Fetched, FetchError>,
    pub exchange: Exchange,
}

/// Fetches URLs under a [`FetchPolicy`], numbering the recorded exchanges.
#[derive(Debug)]
pub struct Fetcher {
    policy: FetchPolicy,
    id_prefix: String,
    next_id: AtomicU64,
}

/// Where a checked host may be reached: the host name and the addresses it was checked at (none for IP literals).
type Pin = Option<(String, Vec<SocketAddr>)>;

/// What an attempt saw that its record is made from once it ends.
#[derive(Default)]
struct Trace {
    /// The host and first checked address, for curl's `--resolve`.
    resolve: Option<(String, SocketAddr)>,
    /// The whole response body: its secrets are learned before it is cut.
    body: Option<Vec<u8>>,
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Self {
        Fetcher::with_id_prefix(policy, "fetch")
    }

    /// Exchange ids are `{prefix}-{n}`; give each fetcher of a run its own prefix.
    pub fn with_id_prefix(policy: FetchPolicy, prefix: &str) -> Self {
        Fetcher {
            policy,
            id_prefix: prefix.to_string(),
            next_id: AtomicU64::new(1),
        }
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// GETs `url` with the given `Accept` header if the policy allows it; records the attempt either way, its
    /// secrets redacted.
    pub async fn get(&self, url: &str, accept: &str) -> Attempt {
        let id = format!("{}-{}", self.id_prefix, self.next_id.fetch_add(1, Ordering::Relaxed));
        let started = Instant::now();
        let headers = vec![
            ("Accept".to_string(), accept.to_string()),
            ("User-Agent".to_string(), USER_AGENT.to_string()),
        ];
        let mut exchange = Exchange {
            id: id.clone(),
            method: "GET".into(),
            url: url.into(),
            request_headers: headers.clone(),
            request_body: None,
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            response_body_truncated: false,
            error: None,
            duration_ms: 0,
            curl: String::new(),
        };
        let total = self.policy.total_timeout;
        let mut trace = Trace::default();
        let outcome = tokio::time::timeout(total, self.attempt(url, accept, &mut exchange, &mut trace)).await;
        let result = outcome.unwrap_or_else(|_| {
            Err(FetchError::Timeout {
                url: url.into(),
                after: total,
            })
        });
        let result = result.map(|mut fetched| {
            fetched.exchange_id = id;
            fetched
        });
        if let Err(e) = &result {
            exchange.error = Some(e.to_string());
        }
        exchange.duration_ms = started.elapsed().as_millis().try_into().unwrap_or(u64::MAX);
        let recording = &self.policy.recording;
        recording
            .redactor
            .record(&mut exchange, None, trace.body.as_deref(), RECORDED_BODY_BYTES);
        exchange.curl = curl_command(
            &exchange.url,
            &exchange.request_headers,
            trace.resolve.as_ref().map(|(host, addr)| (host.as_str(), *addr)),
            recording.cacert_for(&exchange.url),
        );
        Attempt { result, exchange }
    }

    async fn attempt(
        &self,
        url: &str,
        accept: &str,
        exchange: &mut Exchange,
        trace: &mut Trace,
    ) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
            url: url.into(),
            reason: e.to_string(),
        })?;
        let pin = self.check(url, &parsed).await?;
        if let Some((host, addrs)) = &pin {
            trace.resolve = addrs.first().map(|a| (host.clone(), *a));
        }
        let request = HttpRequest {
            url: parsed,
            accept,
            connect_timeout: self.policy.connect_timeout,
            total_timeout: self.policy.total_timeout,
            max_bytes: self.policy.max_bytes,
            max_redirects: self.policy.max_redirects,
            pin,
            system_proxy: false,
            extra_roots_pem: &self.policy.extra_roots_pem,
        };
        let response = http_get(request).await.map_err(|e| e.into_fetch_error(url))?;
        exchange.status = Some(response.status);
        exchange.response_headers = response.headers.clone();
        // The body is recorded (redacted, then cut) when the attempt ends.
        trace.body = Some(response.bytes.clone());
        exchange.response_body_truncated = response.over_limit.is_some();
        if response.over_limit.is_some() {
            return Err(FetchError::TooLarge {
                url: url.into(),
                limit: self.policy.max_bytes,
            });
        }
        if !(200..300).contains(&response.status) {
            return Err(FetchError::Status {
                url: url.into(),
                status: response.status,
            });
        }
        Ok(Fetched {
            url: response.url,
            status: response.status,
            content_type: response.content_type,
            bytes: response.bytes,
            exchange_id: String::new(),
        })
    }

    /// Applies the policy; on success says which addresses the connection must use.
    async fn check(&self, url: &str, parsed: &Url) -> Result<Pin, FetchError> {
        let refuse = |reason: String| FetchError::NotAllowed {
            url: url.into(),
            reason,
        };
        let scheme = parsed.scheme();
        if !matches!(scheme, "http" | "https") {
            return Err(refuse(format!(
                "only https (or http to an allowed host) is fetched, not {scheme}:"
            )));
        }
        let (Some(host), Some(port)) = (parsed.host(), parsed.port_or_known_default()) else {
            return Err(refuse("the URL has no host".into()));
        };
        let host_text = parsed.host_str().unwrap_or_default().to_string();
        let allowed = self.policy.host_is_allowed(&host_text, port);
        if !self.policy.allow_fetch && !allowed {
            return Err(refuse(format!(
                "fetching is disabled and {host_text} is not an allowed host"
            )));
        }
        if scheme == "http" && !allowed {
            return Err(refuse(format!(
                "plain http is only used for allowed hosts, and {host_text} is not one"
            )));
        }
        let judge = |ip: IpAddr| -> Result<(), FetchError> {
            let class = classify_ip(ip);
            let ok = match class {
                AddressClass::Public => true,
                AddressClass::Loopback => allowed,
                _ => allowed || self.policy.allow_private,
            };
            if ok {
                Ok(())
            } else {
                Err(refuse(format!("{host_text} is {ip}, {}", class.describe())))
            }
        };
        match host {
            url::Host::Ipv4(ip) => judge(IpAddr::V4(ip)).map(|()| None),
            url::Host::Ipv6(ip) => judge(IpAddr::V6(ip)).map(|()| None),
            url::Host::Domain(name) => {
                let lookup = tokio::net::lookup_host((name, port));
                let addrs: Vec<SocketAddr> = tokio::time::timeout(self.policy.connect_timeout, lookup)
                    .await
                    .map_err(|_| FetchError::Resolve {
                        url: url.into(),
                        reason: "no answer within the connect timeout".into(),
                    })?
                    .map_err(|e| FetchError::Resolve {
                        url: url.into(),
                        reason: e.to_string(),
                    })?
                    .collect();
                if addrs.is_empty() {
                    return Err(FetchError::Resolve {
                        url: url.into(),
                        reason: "no addresses".into(),
                    });
                }
                // One bad address refuses the host: a name mixing public and internal addresses is an attack.
                for addr in &addrs {
                    judge(addr.ip())?;
                }
                Ok(Some((name.to_string(), addrs)))
            }
        }
    }
}

/// `s` as one POSIX shell word, for the curl commands in reports.
pub(crate) fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A curl command repeating the request; `pin` adds `--resolve` so it reaches the same address, `cacert` the CA
/// file an https request needs.
fn curl_command(
    url: &str,
    headers: &[(String, String)],
    pin: Option<(&str, SocketAddr)>,
    cacert: Option<&str>,
) -> String {
    let quote = shell_quote;
    let mut cmd = String::from("curl -sS -i --max-redirs 0");
    if let Some(ca) = cacert {
        cmd.push_str(&format!(" --cacert {}", quote(ca)));
    }
    for (name, value) in headers {
        cmd.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
    }
    if let Some((host, addr)) = pin {
        let port = Url::parse(url)
            .ok()
            .and_then(|u| u.port_or_known_default())
            .unwrap_or(443);
        let ip = match addr.ip() {
            IpAddr::V6(v6) => format!("[{v6}]"),
            IpAddr::V4(v4) => v4.to_string(),
        };
        cmd.push_str(&format!(" --resolve {}", quote(&format!("{host}:{port}:{ip}"))));
    }
    cmd.push(' ');
    cmd.push_str(&quote(url));
    cmd
}

/// One GET for the shared HTTP core.
pub(crate) struct HttpRequest<'a> {
    pub url: Url,
    pub accept: &'a str,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_bytes: u64,
    /// Redirects followed, to the same host and never from https down to http.
    pub max_redirects: usize,
    /// Connect only to these addresses for this host name (the ones the policy checked).
    pub pin: Pin,
    /// Go through the proxy the environment configures. Never for policy-checked fetches: the proxy, not the
    /// checked address, would be where the connection goes.
    pub system_proxy: bool,
    /// Certificate authorities (PEM) trusted besides the system's.
    pub extra_roots_pem: &'a [String],
}

/// The certificates of a PEM text, refused when it holds none.
pub(crate) fn parse_roots(pem: &str) -> Result<Vec<reqwest::Certificate>, String> {
    let certs =
        reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| format!("not a PEM certificate: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in the PEM text".into());
    }
    Ok(certs)
}

/// A response, any status. The body stops at the limit: `over_limit` is then `Some(declared length)`.
pub(crate) struct HttpResponse {
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    pub over_limit: Option<Option<u64>>,
}

/// Why the core got no response; the caller adds the URL.
#[derive(Debug)]
pub(crate) enum HttpError {
    Setup(String),
    RedirectRefused { to: String, reason: String },
    TooManyRedirects(usize),
    ConnectTimeout(Duration),
    Timeout(Duration),
    ConnectionRefused,
    Connect(String),
    Other(String),
}

impl HttpError {
    fn into_fetch_error(self, url: &str) -> FetchError {
        let url = url.to_string();
        match self {
            HttpError::Setup(reason) | HttpError::Other(reason) => FetchError::Http { url, reason },
            HttpError::RedirectRefused { to, reason } => FetchError::RedirectRefused { url, to, reason },
            HttpError::TooManyRedirects(max) => FetchError::TooManyRedirects { url, max },
            HttpError::ConnectTimeout(after) => FetchError::ConnectTimeout { url, after },
            HttpError::Timeout(after) => FetchError::Timeout { url, after },
            HttpError::ConnectionRefused => FetchError::ConnectionRefused { url },
            HttpError::Connect(reason) => FetchError::Connect { url, reason },
        }
    }
}

/// Marks a redirect the core refused, to recognise it in reqwest's error chain.
#[derive(Debug, thiserror::Error)]
enum RedirectRefusal {
    #[error("redirect to {to} refused ({reason})")]
    Refused { to: String, reason: String },
    #[error("more than {0} redirects")]
    TooMany(usize),
}

/// GETs a URL with no proxy, same-host redirects, connect and total timeouts, and a streamed, capped body.
pub(crate) async fn http_get(req: HttpRequest<'_>) -> Result<HttpResponse, HttpError> {
    let max = req.max_redirects;
    // A redirect elsewhere would escape the policy's address check; same host (so same pinned addresses) only.
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        let from = attempt.previous().last().cloned();
        let to = attempt.url().clone();
        let refused = |reason: &str| RedirectRefusal::Refused {
            to: to.to_string(),
            reason: reason.into(),
        };
        match from {
            // The policy allows host:port pairs, so another port (or scheme) is another origin.
            Some(from) if from.host_str() != to.host_str() => attempt.error(refused("another host")),
            Some(from) if from.port_or_known_default() != to.port_or_known_default() => {
                attempt.error(refused("another port"))
            }
            Some(from) if from.scheme() == "https" && to.scheme() != "https" => {
                attempt.error(refused("a downgrade from https"))
            }
            _ if !matches!(to.scheme(), "http" | "https") => attempt.error(refused("not http or https")),
            _ if attempt.previous().len() > max => attempt.error(RedirectRefusal::TooMany(max)),
            _ => attempt.follow(),
        }
    });
    let mut builder = reqwest::Client::builder();
    if !req.system_proxy {
        builder = builder.no_proxy();
    }
    builder = builder
        .connect_timeout(req.connect_timeout)
        .timeout(req.total_timeout)
        .redirect(policy)
        .user_agent(USER_AGENT);
    for pem in req.extra_roots_pem {
        builder = builder.tls_certs_merge(parse_roots(pem).map_err(HttpError::Setup)?);
    }
    if let Some((host, addrs)) = &req.pin {
        // Port 0 keeps the port of the URL.
        let addrs: Vec<SocketAddr> = addrs.iter().map(|a| SocketAddr::new(a.ip(), 0)).collect();
        builder = builder.resolve_to_addrs(host, &addrs);
    }
    let client = builder
        .build()
        .map_err(|e| HttpError::Setup(format!("cannot set up the HTTP client: {e}")))?;
    let (connect_timeout, total_timeout) = (req.connect_timeout, req.total_timeout);
    let classify_here = |e: reqwest::Error| classify(&e, connect_timeout, total_timeout);
    let mut response = client
        .get(req.url)
        .header(reqwest::header::ACCEPT, req.accept)
        .send()
        .await
        .map_err(classify_here)?;
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut out = HttpResponse {
        url: response.url().to_string(),
        status: response.status().as_u16(),
        headers,
        content_type,
        bytes: Vec::new(),
        over_limit: None,
    };
    if let Some(len) = response.content_length().filter(|len| *len > req.max_bytes) {
        out.over_limit = Some(Some(len));
        return Ok(out);
    }
    let cap = usize::try_from(req.max_bytes).unwrap_or(usize::MAX);
    // Never trust Content-Length for the allocation: it may be absent or a lie.
    out.bytes = Vec::with_capacity(response.content_length().map_or(0, |l| l as usize).min(cap));
    while let Some(chunk) = response.chunk().await.map_err(classify_here)? {
        let room = cap - out.bytes.len();
        if chunk.len() > room {
            out.bytes.extend_from_slice(&chunk[..room]);
            out.over_limit = Some(None);
            break;
        }
        out.bytes.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn classify(e: &reqwest::Error, connect_timeout: Duration, total_timeout: Duration) -> HttpError {
    let chain = || std::iter::successors(std::error::Error::source(e), |s| s.source());
    if let Some(refusal) = chain().find_map(|s| s.downcast_ref::<RedirectRefusal>()) {
        return match refusal {
            RedirectRefusal::Refused { to, reason } => HttpError::RedirectRefused {
                to: to.clone(),
                reason: reason.clone(),
            },
            RedirectRefusal::TooMany(max) => HttpError::TooManyRedirects(*max),
        };
    }
    if e.is_connect() && e.is_timeout() {
        return HttpError::ConnectTimeout(connect_timeout);
    }
    if e.is_timeout() {
        return HttpError::Timeout(total_timeout);
    }
    let refused = chain()
        .filter_map(|s| s.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
    if refused {
        return HttpError::ConnectionRefused;
    }
    if let Some(tls) = chain().find_map(rustls_error) {
        let hint = match tls {
            rustls::Error::InvalidCertificate(_) => "; if a private CA signed it (a mock's), trust that CA (--ca-cert)",
            _ => "",
        };
        return HttpError::Connect(format!("TLS handshake failed: {tls}{hint}"));
    }
    // reqwest's own message is terse ("error sending request"); the causes say what happened.
    let reason = std::iter::once(e.to_string())
        .chain(chain().map(ToString::to_string))
        .collect::<Vec<_>>()
        .join(": ");
    if e.is_connect() {
        HttpError::Connect(reason)
    } else {
        HttpError::Other(reason)
    }
}

/// The rustls error behind an error in reqwest's chain. I/O errors carry it as their payload (not as their
/// source), sometimes one I/O error inside another.
fn rustls_error<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut current: &(dyn std::error::Error + 'static) = e;
    for _ in 0..8 {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        let inner = current.downcast_ref::<std::io::Error>()?.get_ref()?;
        current = inner;
    }
    None
}

#[cfg(test)]
mod tests;
