//! Reading inputs (files, stdin, URLs named on the command line) within size and time limits.
//!
//! Every reader stops after `limit + 1` bytes, so an oversized input costs at most that much memory and is still
//! recognised as oversized. Error messages read after "failed to …".

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use clr_reports::Location;

use crate::decode::{CHECK_JSON, DecodeError};
use crate::http::Error as HttpError;
pub use crate::http::client::Fetched;
use crate::http::client::{self, ClientSpec, OverLimit, Redirects, Request};
use crate::http::record::USER_AGENT;

/// Media types a credential is served as, in the order the spec prefers them (JSON-LD, JSON, JWS text, images).
pub const ACCEPT: &str = "application/vc+ld+json, application/ld+json;q=0.9, application/json;q=0.8, \
                          text/plain;q=0.7, image/png;q=0.6, image/svg+xml;q=0.6";

/// A failure to obtain input bytes.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("read {what}: {source}")]
    Io { what: String, source: std::io::Error },
    #[error("read {what}: it is {}, over the limit of {limit} bytes", size_text(*.size, *.limit))]
    TooLarge {
        what: String,
        size: Option<u64>,
        limit: u64,
    },
    /// A URL that could not be fetched: the one HTTP error, with its cause and hint.
    #[error(transparent)]
    Fetch(#[from] crate::http::Error),
}

fn size_text(size: Option<u64>, limit: u64) -> String {
    size.map_or_else(|| format!("more than {limit} bytes"), |s| format!("{s} bytes"))
}

impl InputError {
    /// An oversized input is a format failure of the document (OB30-FMT-001), not a harness error; this gives the
    /// finding for it. Other input errors are the harness failing to obtain the document.
    pub fn as_decode_error(&self) -> Option<DecodeError> {
        let InputError::TooLarge { size, limit, .. } = self else {
            return None;
        };
        let size = size_text(*size, *limit);
        Some(DecodeError {
            check: CHECK_JSON,
            message: format!("input is {size}, over the limit of {limit} bytes"),
            location: Location::default(),
            expected: Some(format!("at most {limit} bytes")),
            actual: Some(size),
            unsupported: None,
        })
    }
}

fn read_capped(mut reader: impl Read, limit: u64, what: &str) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| InputError::Io {
            what: what.to_string(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            what: what.to_string(),
            size: None,
            limit,
        });
    }
    Ok(bytes)
}

/// Reads a file of at most `limit` bytes.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let what = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| InputError::Io {
        what: what.clone(),
        source,
    })?;
    // Regular files state their size up front; pipes and /proc files report 0, so the capped read stays the guard.
    if let Ok(meta) = file.metadata()
        && meta.is_file()
        && meta.len() > limit
    {
        return Err(InputError::TooLarge {
            what,
            size: Some(meta.len()),
            limit,
        });
    }
    read_capped(file, limit, &what)
}

/// Reads standard input, at most `limit` bytes.
pub fn read_stdin(limit: u64) -> Result<Vec<u8>, InputError> {
    read_capped(std::io::stdin().lock(), limit, "standard input")
}

/// How a URL is fetched.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Largest body accepted, in bytes.
    pub limit: u64,
    pub connect_timeout: Duration,
    /// For the whole exchange, body included.
    pub timeout: Duration,
    /// Redirects followed, all to the same host as the URL asked for.
    pub max_redirects: usize,
    /// Certificate authorities (PEM) trusted for https besides the system's.
    pub extra_roots_pem: Vec<String>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            limit: 16 * 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_redirects: 5,
            extra_roots_pem: Vec::new(),
        }
    }
}

/// Fetches `url` (http or https) within the size, time and redirect limits of `opts`.
///
/// The URL was named by the user, so any host is fetched (through the system proxy, if one is configured); URLs
/// found inside documents go through [`crate::fetch::Fetcher`] instead.
pub async fn fetch_url(url: &str, opts: &FetchOptions) -> Result<Fetched, InputError> {
    let invalid = |reason: String| HttpError::InvalidUrl {
        url: url.into(),
        reason,
    };
    let parsed = url::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        let scheme = parsed.scheme();
        return Err(invalid(format!("only http and https URLs can be fetched, not {scheme}:")).into());
    }
    let mut roots = Vec::new();
    for pem in &opts.extra_roots_pem {
        roots.extend(client::parse_roots(pem.as_bytes()).map_err(|reason| HttpError::Http {
            url: url.into(),
            reason,
        })?);
    }
    let spec = ClientSpec {
        connect_timeout: opts.connect_timeout,
        total_timeout: Some(opts.timeout),
        redirects: Redirects::SameOrigin {
            max: opts.max_redirects,
        },
        roots: &roots,
        pin: None,
        system_proxy: true,
    };
    let http = client::build(&spec).map_err(|reason| HttpError::Http {
        url: url.into(),
        reason,
    })?;
    let headers = [
        ("Accept".to_string(), ACCEPT.to_string()),
        ("User-Agent".to_string(), USER_AGENT.to_string()),
    ];
    let request = Request {
        method: "GET",
        url: parsed,
        headers: &headers,
        body: None,
    };
    let timeouts = (opts.connect_timeout, opts.timeout);
    let response = client::send(&http, request, opts.limit, OverLimit::Stop, timeouts).await?;
    if !(200..300).contains(&response.status) {
        return Err(HttpError::Status {
            url: url.into(),
            status: response.status,
        }
        .into());
    }
    if let Some(size) = response.over_limit {
        return Err(InputError::TooLarge {
            what: url.into(),
            size,
            limit: opts.limit,
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

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn quick() -> FetchOptions {
        FetchOptions {
            limit: 1000,
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_millis(300),
            max_redirects: 5,
            extra_roots_pem: Vec::new(),
        }
    }

    #[test]
    fn a_200_mb_file_is_refused_without_reading_it() {
        let file = std::env::temp_dir().join(format!("clr-harness-input-{}-big.json", std::process::id()));
        std::fs::File::create(&file)
            .and_then(|f| f.set_len(200 * 1024 * 1024))
            .unwrap();
        let result = read_file(&file, 16 * 1024 * 1024);
        std::fs::remove_file(&file).ok();
        let err = result.unwrap_err();
        assert!(
            matches!(
                err,
                InputError::TooLarge {
                    size: Some(209_715_200),
                    limit: 16_777_216,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("it is 209715200 bytes, over the limit of 16777216 bytes"),
            "{err}"
        );
        assert_eq!(err.as_decode_error().map(|d| d.check), Some(CHECK_JSON));
    }

    #[test]
    fn capped_reads_stop_after_limit_plus_one() {
        let mut source = std::io::repeat(b'x');
        let err = read_capped(&mut source, 10, "a pipe").unwrap_err();
        assert_eq!(
            err.to_string(),
            "read a pipe: it is more than 10 bytes, over the limit of 10 bytes"
        );
        assert_eq!(read_capped(&b"0123456789"[..], 10, "x").unwrap().len(), 10);
        let err = read_file(Path::new("/nonexistent/credential.json"), 10).unwrap_err();
        assert!(
            err.to_string().starts_with("read /nonexistent/credential.json: "),
            "{err}"
        );
    }

    #[tokio::test]
    async fn fetch_returns_status_content_type_and_body_and_sends_accept() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/c.json"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/vc+ld+json"))
            .mount(&server)
            .await;
        let got = fetch_url(&format!("{}/c.json", server.uri()), &quick()).await.unwrap();
        assert_eq!((got.status, got.bytes.as_slice()), (200, &b"{}"[..]));
        assert_eq!(got.content_type.as_deref(), Some("application/vc+ld+json"));
        // wiremock's header matcher splits on commas, so compare the raw header instead.
        let requests = server.received_requests().await.unwrap_or_default();
        let accept = requests
            .first()
            .and_then(|r| r.headers.get("accept"))
            .and_then(|v| v.to_str().ok());
        assert_eq!(accept, Some(ACCEPT));
    }

    #[tokio::test]
    async fn fetch_reports_status_size_and_timeouts() {
        let server = MockServer::start().await;
        Mock::given(path("/big"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 5000]))
            .mount(&server)
            .await;
        Mock::given(path("/slow"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
            .mount(&server)
            .await;
        let err = fetch_url(&format!("{}/missing", server.uri()), &quick())
            .await
            .unwrap_err();
        assert!(
            matches!(err, InputError::Fetch(HttpError::Status { status: 404, .. })),
            "{err:?}"
        );
        assert!(err.to_string().ends_with("the server answered 404 Not Found"), "{err}");
        let err = fetch_url(&format!("{}/big", server.uri()), &quick()).await.unwrap_err();
        assert!(
            matches!(
                err,
                InputError::TooLarge {
                    size: Some(5000),
                    limit: 1000,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = fetch_url(&format!("{}/slow", server.uri()), &quick())
            .await
            .unwrap_err();
        assert!(matches!(err, InputError::Fetch(HttpError::Timeout { .. })), "{err:?}");
    }

    #[tokio::test]
    async fn redirects_stay_on_the_same_host() {
        let server = MockServer::start().await;
        let port = server.address().port();
        Mock::given(path("/elsewhere"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", format!("http://localhost:{port}/c")))
            .mount(&server)
            .await;
        Mock::given(path("/here"))
            .respond_with(ResponseTemplate::new(302).insert_header("location", "/c"))
            .mount(&server)
            .await;
        Mock::given(path("/c"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
            .mount(&server)
            .await;
        let base = format!("http://127.0.0.1:{port}");
        let err = fetch_url(&format!("{base}/elsewhere"), &quick()).await.unwrap_err();
        assert!(
            matches!(&err, InputError::Fetch(HttpError::RedirectRefused { to, .. }) if to.starts_with("http://localhost:")),
            "{err:?}"
        );
        let got = fetch_url(&format!("{base}/here"), &quick()).await.unwrap();
        assert_eq!(got.url, format!("{base}/c"));
    }

    #[tokio::test]
    async fn refused_connections_and_bad_urls_are_named() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let err = fetch_url(&format!("http://127.0.0.1:{port}/"), &quick())
            .await
            .unwrap_err();
        assert!(
            matches!(err, InputError::Fetch(HttpError::ConnectionRefused { .. })),
            "{err:?}"
        );
        let err = fetch_url("file:///etc/passwd", &quick()).await.unwrap_err();
        assert!(err.to_string().contains("only http and https"), "{err}");
    }
}
