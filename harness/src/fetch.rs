//! Fetching URLs found inside documents (keys, JWKS, status lists, refresh services, did:web) under a policy.
//!
//! Such URLs are chosen by whoever wrote the document, so a `kid` can point at a cloud metadata service or an
//! intranet host. The [`Fetcher`] decides before any connection is made: it checks the scheme and the host, resolves
//! the name and judges every address ([`crate::http::policy`]), and pins the connection to the addresses it judged so
//! a second DNS answer (rebinding) cannot redirect it. Every attempt, refused or not, is recorded as an [`Exchange`].
//! The requests themselves go through the one HTTP layer ([`crate::http`]).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clr_reports::Exchange;
use url::Url;

pub use crate::http::client::Fetched;
use crate::http::client::{self, ClientSpec, OverLimit, Redirects, Request};
use crate::http::policy::{Reach, resolve_judged};
use crate::http::record::Entry;
pub use crate::http::url_map::{Mapped, UrlMap};
pub use crate::http::{AddressClass, RECORDED_BODY_BYTES, USER_AGENT, classify_ip};
use crate::redact::Recording;

/// A fetch that did not produce a usable response: the one HTTP error ([`crate::http::Error`]).
pub use crate::http::Error as FetchError;

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
    /// URLs answered from local files (`--url-map`), before any policy or network.
    pub url_map: UrlMap,
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
            url_map: UrlMap::default(),
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
        client::parse_roots(pem.as_bytes())?;
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

/// One fetch attempt: its outcome and its record.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub result: Result<Fetched, FetchError>,
    pub exchange: Exchange,
}

/// Fetches URLs under a [`FetchPolicy`], numbering the recorded exchanges.
#[derive(Debug)]
pub struct Fetcher {
    /// Shared by the fetchers [`Fetcher::scoped`] makes.
    policy: Arc<FetchPolicy>,
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
            policy: Arc::new(policy),
            id_prefix: prefix.to_string(),
            next_id: AtomicU64::new(1),
        }
    }

    /// A fetcher under the same policy whose exchanges are numbered `{prefix}-{n}` from 1: one per document, so a
    /// document's exchange ids do not depend on what other documents fetched before it or beside it.
    pub fn scoped(&self, prefix: &str) -> Fetcher {
        Fetcher {
            policy: Arc::clone(&self.policy),
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
        let headers = vec![
            ("Accept".to_string(), accept.to_string()),
            ("User-Agent".to_string(), USER_AGENT.to_string()),
        ];
        let mut entry = Entry::begin(id.clone(), "GET", url, headers.clone());
        if let Some(mut mapped) = self.policy.url_map.answer(url) {
            // The policy's body cap holds for mapped files as for fetched ones.
            if mapped.body.len() as u64 > self.policy.max_bytes {
                mapped.status = 413;
                mapped.content_type = None;
                mapped.body = Vec::new();
            }
            return self.mapped(id, url, entry, mapped);
        }
        let total = self.policy.total_timeout;
        let mut trace = Trace::default();
        let outcome = tokio::time::timeout(total, self.attempt(url, &headers, &mut entry, &mut trace)).await;
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
            entry.failed(e.to_string());
        }
        let pin = trace.resolve.as_ref().map(|(host, addr)| (host.as_str(), *addr));
        let exchange = entry.finish(&self.policy.recording, None, trace.body.as_deref(), pin);
        Attempt { result, exchange }
    }

    /// The answer of a URL the map serves from a file, recorded like any exchange.
    fn mapped(&self, id: String, url: &str, mut entry: Entry, mapped: Mapped) -> Attempt {
        let mut headers = vec![("X-Url-Map-File".to_string(), mapped.file.display().to_string())];
        if let Some(ct) = &mapped.content_type {
            headers.push(("Content-Type".to_string(), ct.clone()));
        }
        entry.answered(mapped.status, &headers, false);
        let result = if (200..300).contains(&mapped.status) {
            Ok(Fetched {
                url: url.to_string(),
                status: mapped.status,
                content_type: mapped.content_type.clone(),
                bytes: mapped.body.clone(),
                exchange_id: id,
            })
        } else {
            Err(FetchError::Status {
                url: url.into(),
                status: mapped.status,
            })
        };
        if let Err(e) = &result {
            entry.failed(e.to_string());
        }
        let exchange = entry.finish(&self.policy.recording, None, Some(&mapped.body), None);
        Attempt { result, exchange }
    }

    async fn attempt(
        &self,
        url: &str,
        headers: &[(String, String)],
        entry: &mut Entry,
        trace: &mut Trace,
    ) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url).map_err(|e| FetchError::InvalidUrl {
            url: url.into(),
            reason: format!("not a valid URL: {e}"),
        })?;
        let pin = self.check(url, &parsed).await?;
        if let Some((host, addrs)) = &pin {
            trace.resolve = addrs.first().map(|a| (host.clone(), *a));
        }
        let mut roots = Vec::new();
        for pem in &self.policy.extra_roots_pem {
            roots.extend(client::parse_roots(pem.as_bytes()).map_err(|reason| FetchError::Http {
                url: url.into(),
                reason,
            })?);
        }
        let spec = ClientSpec {
            connect_timeout: self.policy.connect_timeout,
            total_timeout: Some(self.policy.total_timeout),
            redirects: Redirects::SameOrigin {
                max: self.policy.max_redirects,
            },
            roots: &roots,
            pin: pin.as_ref().map(|(host, addrs)| (host.as_str(), addrs.as_slice())),
            system_proxy: false,
        };
        let http = client::build(&spec).map_err(|reason| FetchError::Http {
            url: url.into(),
            reason,
        })?;
        let request = Request {
            method: "GET",
            url: parsed,
            headers,
            body: None,
        };
        let timeouts = (self.policy.connect_timeout, self.policy.total_timeout);
        let response = client::send(&http, request, self.policy.max_bytes, OverLimit::Stop, timeouts).await?;
        entry.answered(response.status, &response.headers, response.over_limit.is_some());
        // The body is recorded (redacted, then cut) when the attempt ends.
        trace.body = Some(response.body.clone());
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
            bytes: response.body,
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
        let reach = Reach {
            listed: allowed,
            private: self.policy.allow_private,
        };
        let judge_literal = |ip: IpAddr| {
            reach
                .judge(ip)
                .map(|()| None)
                .map_err(|class| refuse(format!("{host_text} is {ip}, {}", class.describe())))
        };
        match host {
            url::Host::Ipv4(ip) => judge_literal(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => judge_literal(IpAddr::V6(ip)),
            url::Host::Domain(name) => {
                let addrs = resolve_judged(url, name, port, reach, self.policy.connect_timeout, refuse).await?;
                Ok(Some((name.to_string(), addrs)))
            }
        }
    }
}

/// The curl command of a document fetch (a GET), for the tests.
#[cfg(test)]
fn curl_command(
    url: &str,
    headers: &[(String, String)],
    pin: Option<(&str, SocketAddr)>,
    cacert: Option<&str>,
) -> String {
    crate::http::record::curl_command("GET", url, headers, None, pin, cacert)
}

#[cfg(test)]
mod tests;
