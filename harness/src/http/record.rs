//! How a request is written down: an [`Exchange`] with its secrets redacted, its bodies cut, and a curl command
//! that repeats it.

use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use clr_reports::Exchange;
use url::Url;

use crate::redact::Recording;

/// Response bytes kept in a recorded exchange; the rest is marked truncated.
pub const RECORDED_BODY_BYTES: usize = 16 * 1024;

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("clr-harness/", env!("CARGO_PKG_VERSION"));

/// An exchange on its way: begun before the request is sent, ended once with what came back.
pub struct Entry {
    exchange: Exchange,
    started: Instant,
}

impl Entry {
    /// A request about to be sent; `headers` are the ones it is sent with.
    pub fn begin(id: String, method: &str, url: &str, headers: Vec<(String, String)>) -> Entry {
        Entry {
            exchange: Exchange {
                id,
                method: method.into(),
                url: url.into(),
                request_headers: headers,
                request_body: None,
                status: None,
                response_headers: Vec::new(),
                response_body: None,
                response_body_truncated: false,
                request_body_truncated: false,
                error: None,
                duration_ms: 0,
                curl: String::new(),
            },
            started: Instant::now(),
        }
    }

    pub fn id(&self) -> &str {
        &self.exchange.id
    }

    /// What answered: its status, headers, and whether its body was cut at the limit.
    pub fn answered(&mut self, status: u16, headers: &[(String, String)], over_limit: bool) {
        self.exchange.status = Some(status);
        self.exchange.response_headers = headers.to_vec();
        self.exchange.response_body_truncated = over_limit;
        self.exchange.error = None;
    }

    /// Why nothing usable answered.
    pub fn failed(&mut self, error: String) {
        self.exchange.error = Some(error);
    }

    /// The record: its duration, secrets learned from the whole bodies and replaced, bodies cut, and the curl
    /// command built from the redacted parts (`pin` makes it reach the address the request was pinned to).
    pub fn finish(
        mut self,
        recording: &Recording,
        request_body: Option<&[u8]>,
        response_body: Option<&[u8]>,
        pin: Option<(&str, SocketAddr)>,
    ) -> Exchange {
        let e = &mut self.exchange;
        e.duration_ms = self.started.elapsed().as_millis().try_into().unwrap_or(u64::MAX);
        recording
            .redactor
            .record(e, request_body, response_body, RECORDED_BODY_BYTES);
        e.curl = curl_command(
            &e.method,
            &e.url,
            &e.request_headers,
            e.request_body.as_deref().map(str::as_bytes),
            pin,
            recording.cacert_for(&e.url),
        );
        self.exchange
    }
}

/// `s` as one POSIX shell word, for the curl commands in reports.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A curl command that repeats a request; `cacert` is the CA file an https request needs (`--cacert`).
pub fn curl(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    cacert: Option<&str>,
) -> String {
    curl_command(method, url, headers, body, None, cacert)
}

/// [`curl`], with `--resolve` when the request was pinned to an address (so the command reaches the same one).
/// `-X` only for methods other than GET; the User-Agent is curl's own.
pub fn curl_command(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    pin: Option<(&str, SocketAddr)>,
    cacert: Option<&str>,
) -> String {
    let quote = shell_quote;
    let mut cmd = String::from("curl -sS -i --max-redirs 0");
    if method != "GET" {
        cmd.push_str(&format!(" -X {method}"));
    }
    if let Some(ca) = cacert {
        cmd.push_str(&format!(" --cacert {}", quote(ca)));
    }
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("user-agent") {
            cmd.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
        }
    }
    if let Some(b) = body {
        let kept = &b[..b.len().min(RECORDED_BODY_BYTES)];
        cmd.push_str(&format!(" --data-binary {}", quote(&String::from_utf8_lossy(kept))));
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
