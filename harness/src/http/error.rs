//! One error for every request that did not produce a usable response, with its cause and, where the user can do
//! something about it, a hint. Messages read after "failed to …".
//!
//! The same failure is worded for two readers: a fetch of a URL named by the user or by a document reads
//! `fetch URL: …` ([`std::fmt::Display`]); a request of a provider run sits in a finding of a check that already
//! names the request, so it reads as what went wrong ([`Error::provider_text`]).

use std::time::Duration;

/// A request that did not produce a usable response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The policy refused the URL before any connection: the caller reports a Skip (documents) or a violation (a
    /// provider sending the harness there) with `reason`.
    #[error("fetch {url}: not allowed by the fetch policy: {reason}")]
    NotAllowed { url: String, reason: String },
    #[error("fetch {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("fetch {url}: could not resolve the host name: {reason}")]
    Resolve { url: String, reason: String },
    #[error("fetch {url}: could not connect within {} s (connect timeout)", .after.as_secs_f64())]
    ConnectTimeout { url: String, after: Duration },
    #[error("fetch {url}: no complete response within {} s (timeout)", .after.as_secs_f64())]
    Timeout { url: String, after: Duration },
    #[error("fetch {url}: connection refused")]
    ConnectionRefused { url: String },
    /// The TLS handshake failed; `untrusted` when the certificate did not verify (a private CA the run does not
    /// trust yet, most often).
    #[error("fetch {url}: could not connect: TLS handshake failed: {detail}{}", tls_hint(*.untrusted, "--ca-cert"))]
    Tls {
        url: String,
        detail: String,
        untrusted: bool,
    },
    #[error("fetch {url}: could not connect: {reason}")]
    Connect { url: String, reason: String },
    #[error("fetch {url}: the server answered {status}{}", reason_suffix(*.status))]
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

/// What to do about an untrusted certificate; `flag` is how this command trusts a CA.
fn tls_hint(untrusted: bool, flag: &str) -> String {
    if untrusted {
        format!("; if a private CA signed it (a mock's), trust that CA ({flag})")
    } else {
        String::new()
    }
}

/// ` Not Found` for 404: the reason phrase after a status code.
fn reason_suffix(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(String::new, |r| format!(" {r}"))
}

impl Error {
    /// The policy's reason, when the request was refused rather than tried.
    pub fn not_allowed_reason(&self) -> Option<&str> {
        match self {
            Error::NotAllowed { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The harness could not get an answer (network, time or size limits), as opposed to an answer that is wrong.
    pub fn is_transport(&self) -> bool {
        !matches!(
            self,
            Error::NotAllowed { .. } | Error::InvalidUrl { .. } | Error::Status { .. }
        )
    }

    /// The failure as a provider run's finding says it: the check already names the request.
    pub fn provider_text(&self) -> String {
        match self {
            Error::NotAllowed { reason, .. } => format!("not contacted: {reason}"),
            Error::Timeout { after, .. } | Error::ConnectTimeout { after, .. } => {
                format!("no response within {after:?}")
            }
            Error::ConnectionRefused { .. } => "connection failed: connection refused".into(),
            Error::Tls { detail, untrusted, .. } => format!(
                "connection failed: TLS handshake failed: {detail}{}",
                tls_hint(*untrusted, "--ca-file, or ca_file under [tls] in the target file")
            ),
            Error::Connect { reason, .. } => format!("connection failed: {reason}"),
            Error::Resolve { reason, .. } => format!("connection failed: could not resolve the host name: {reason}"),
            Error::Http { reason, .. } | Error::InvalidUrl { reason, .. } => reason.clone(),
            other => {
                let text = other.to_string();
                let prefix = format!("fetch {}: ", other.url());
                text.strip_prefix(&prefix).map(str::to_owned).unwrap_or(text)
            }
        }
    }

    /// The URL the request was for.
    pub fn url(&self) -> &str {
        match self {
            Error::NotAllowed { url, .. }
            | Error::InvalidUrl { url, .. }
            | Error::Resolve { url, .. }
            | Error::ConnectTimeout { url, .. }
            | Error::Timeout { url, .. }
            | Error::ConnectionRefused { url }
            | Error::Tls { url, .. }
            | Error::Connect { url, .. }
            | Error::Status { url, .. }
            | Error::TooLarge { url, .. }
            | Error::RedirectRefused { url, .. }
            | Error::TooManyRedirects { url, .. }
            | Error::Http { url, .. } => url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reader_gets_its_wording_and_hint() {
        let tls = Error::Tls {
            url: "https://127.0.0.1:9/x".into(),
            detail: "invalid peer certificate: UnknownIssuer".into(),
            untrusted: true,
        };
        assert!(tls.to_string().ends_with("trust that CA (--ca-cert)"), "{tls}");
        assert!(
            tls.provider_text()
                .starts_with("connection failed: TLS handshake failed")
        );
        assert!(tls.provider_text().contains("ca_file under [tls]"));
        let refused = Error::ConnectionRefused {
            url: "http://x/".into(),
        };
        assert_eq!(refused.provider_text(), "connection failed: connection refused");
        let status = Error::Status {
            url: "http://x/".into(),
            status: 404,
        };
        assert_eq!(status.to_string(), "fetch http://x/: the server answered 404 Not Found");
        assert_eq!(status.provider_text(), "the server answered 404 Not Found");
        let late = Error::Timeout {
            url: "http://x/".into(),
            after: Duration::from_secs(2),
        };
        assert_eq!(late.provider_text(), "no response within 2s");
    }
}
