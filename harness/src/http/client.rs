//! The one HTTP core: builds a client for a caller's rules (redirects, roots, pinned addresses, proxy), sends one
//! request, reads the body up to a cap, and classifies every failure into one [`Error`].
//!
//! Compressed bodies are not asked for and not decoded, so a gzip bomb stays a small body; `Content-Length` is
//! never trusted for an allocation.

use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use super::Error;

/// Which redirects the client follows.
#[derive(Debug, Clone, Copy)]
pub enum Redirects {
    /// None: the caller looks at them (a provider's redirects are checked, not followed).
    Never,
    /// Up to `max`, each to the same origin (host and port) and never from https down to http: another origin would
    /// escape the address check made for this one.
    SameOrigin { max: usize },
}

/// How to build a client.
pub struct ClientSpec<'a> {
    pub connect_timeout: Duration,
    /// reqwest's own deadline for a whole exchange; `None` when the caller bounds it.
    pub total_timeout: Option<Duration>,
    pub redirects: Redirects,
    /// Certificate authorities trusted besides the system's.
    pub roots: &'a [reqwest::Certificate],
    /// Connect only to these addresses for this host name (the ones the policy judged).
    pub pin: Option<(&'a str, &'a [SocketAddr])>,
    /// Go through the proxy the environment configures. Never for policy-checked requests: the proxy, not the
    /// judged address, would be where the connection goes.
    pub system_proxy: bool,
}

/// What to do with a body over the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverLimit {
    /// Refuse it: nothing is read when the declared length is over the cap.
    Stop,
    /// Keep the first `cap` bytes (a provider's findings quote what it sent).
    Prefix,
}

/// A request to send.
pub struct Request<'a> {
    pub method: &'a str,
    pub url: Url,
    /// Every header, the User-Agent included (they are what the record shows).
    pub headers: &'a [(String, String)],
    pub body: Option<&'a [u8]>,
}

/// A response, any status.
#[derive(Debug, Clone)]
pub struct Response {
    /// Where it came from, after redirects.
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// The body was over the cap: `Some(declared length)` (when the server declared one).
    pub over_limit: Option<Option<u64>>,
}

/// A successful (2xx) response within the limits.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the body came from, after redirects.
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    /// Id of the recorded exchange (empty when the request was not recorded).
    pub exchange_id: String,
}

/// The certificates of a PEM text, refused when it holds none.
pub fn parse_roots(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, String> {
    let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| format!("not a PEM certificate: {e}"))?;
    if certs.is_empty() {
        return Err("no certificate in the PEM text".into());
    }
    Ok(certs)
}

/// Marks a redirect the client refused, to recognise it in reqwest's error chain.
#[derive(Debug, thiserror::Error)]
enum RedirectRefusal {
    #[error("redirect to {to} refused ({reason})")]
    Refused { to: String, reason: String },
    #[error("more than {0} redirects")]
    TooMany(usize),
}

fn redirect_policy(redirects: Redirects) -> reqwest::redirect::Policy {
    let Redirects::SameOrigin { max } = redirects else {
        return reqwest::redirect::Policy::none();
    };
    reqwest::redirect::Policy::custom(move |attempt| {
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
    })
}

/// A client following `spec`.
pub fn build(spec: &ClientSpec<'_>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(spec.connect_timeout)
        .redirect(redirect_policy(spec.redirects));
    if !spec.system_proxy {
        builder = builder.no_proxy();
    }
    if let Some(total) = spec.total_timeout {
        builder = builder.timeout(total);
    }
    if !spec.roots.is_empty() {
        builder = builder.tls_certs_merge(spec.roots.to_vec());
    }
    if let Some((host, addrs)) = spec.pin {
        // Port 0 keeps the port of the URL.
        let addrs: Vec<SocketAddr> = addrs.iter().map(|a| SocketAddr::new(a.ip(), 0)).collect();
        builder = builder.resolve_to_addrs(host, &addrs);
    }
    builder
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {e}"))
}

/// Sends `req` and reads the body up to `max_body` bytes. `timeouts` (connect, total) name the limits in errors.
pub async fn send(
    client: &reqwest::Client,
    req: Request<'_>,
    max_body: u64,
    over: OverLimit,
    timeouts: (Duration, Duration),
) -> Result<Response, Error> {
    let url = req.url.to_string();
    let classify_here = |e: reqwest::Error| classify(&e, &url, timeouts);
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).map_err(|e| Error::Http {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    let mut builder = client.request(method, req.url.clone());
    for (name, value) in req.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = req.body {
        builder = builder.body(body.to_vec());
    }
    let mut response = builder.send().await.map_err(classify_here)?;
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
    let mut out = Response {
        url: response.url().to_string(),
        status: response.status().as_u16(),
        headers,
        content_type,
        body: Vec::new(),
        over_limit: None,
    };
    if over == OverLimit::Stop
        && let Some(len) = response.content_length().filter(|len| *len > max_body)
    {
        out.over_limit = Some(Some(len));
        return Ok(out);
    }
    let cap = usize::try_from(max_body).unwrap_or(usize::MAX);
    // Never trust Content-Length for the allocation: it may be absent or a lie.
    out.body = Vec::with_capacity(response.content_length().map_or(0, |l| l as usize).min(cap));
    while let Some(chunk) = response.chunk().await.map_err(classify_here)? {
        let room = cap.saturating_sub(out.body.len());
        if chunk.len() > room {
            out.body.extend_from_slice(&chunk[..room]);
            out.over_limit = Some(None);
            break;
        }
        out.body.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Why reqwest got no response, as one [`Error`]: a refused redirect, a timeout, a refused connection, a TLS
/// failure (with the hint a private CA needs), or the chain of causes.
fn classify(e: &reqwest::Error, url: &str, (connect_timeout, total_timeout): (Duration, Duration)) -> Error {
    let url = url.to_string();
    let chain = || std::iter::successors(std::error::Error::source(e), |s| s.source());
    if let Some(refusal) = chain().find_map(|s| s.downcast_ref::<RedirectRefusal>()) {
        return match refusal {
            RedirectRefusal::Refused { to, reason } => Error::RedirectRefused {
                url,
                to: to.clone(),
                reason: reason.clone(),
            },
            RedirectRefusal::TooMany(max) => Error::TooManyRedirects { url, max: *max },
        };
    }
    if e.is_connect() && e.is_timeout() {
        return Error::ConnectTimeout {
            url,
            after: connect_timeout,
        };
    }
    if e.is_timeout() {
        return Error::Timeout {
            url,
            after: total_timeout,
        };
    }
    let refused = chain()
        .filter_map(|s| s.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
    if refused {
        return Error::ConnectionRefused { url };
    }
    if let Some(tls) = chain().find_map(rustls_error) {
        return Error::Tls {
            url,
            detail: tls.to_string(),
            untrusted: matches!(tls, rustls::Error::InvalidCertificate(_)),
        };
    }
    // reqwest's own message is terse ("error sending request"); the causes say what happened.
    let reason = std::iter::once(e.to_string())
        .chain(chain().map(ToString::to_string))
        .collect::<Vec<_>>()
        .join(": ");
    if e.is_connect() {
        Error::Connect { url, reason }
    } else {
        Error::Http { url, reason }
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
