//! The loopback redirect URI of an interactive login (RFC 8252 §7.3): the harness prints the authorization URL,
//! a person approves in a browser, and the browser comes back to `http://127.0.0.1:PORT/callback?code=…`.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A bound loopback listener waiting for authorization responses.
pub struct Callback {
    listener: TcpListener,
    /// The redirect URI the harness registers.
    pub redirect_uri: String,
    /// A redirect URI on the same listener that the harness never registers: a server that redirects a browser
    /// here (`OAUTH-AUTHZ-003`) is seen doing so even in an interactive login.
    pub unregistered_uri: String,
    /// Where a person reports that the provider showed an error page instead of a login (nothing to redirect).
    pub refused_uri: String,
}

/// What reached the loopback listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    /// `/callback`, `/not-registered` or `/refused`.
    pub path: String,
    pub query: HashMap<String, String>,
}

const PAGE: &str = "<!doctype html><meta charset=utf-8><title>clr-harness</title>\
<p>clr-harness received the authorization response. You can close this tab; the run continues in the terminal.";

impl Callback {
    pub async fn bind(port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        Ok(Callback {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}/callback"),
            unregistered_uri: format!("http://127.0.0.1:{port}/not-registered"),
            refused_uri: format!("http://127.0.0.1:{port}/refused"),
        })
    }

    /// Waits for the browser to reach `/callback`, `/not-registered` or `/refused`.
    pub async fn wait(&self, timeout: Duration) -> Result<Arrival, String> {
        tokio::time::timeout(timeout, self.accept_callback())
            .await
            .map_err(|_| {
                format!(
                    "no authorization response reached {} within {timeout:?}",
                    self.redirect_uri
                )
            })?
    }

    async fn accept_callback(&self) -> Result<Arrival, String> {
        loop {
            let (mut stream, _) = self.listener.accept().await.map_err(|e| e.to_string())?;
            let mut buf = vec![0u8; 16 * 1024];
            let mut len = 0;
            // The request line and headers; a browser sends them at once, a stalled peer is cut off.
            while len < buf.len() && !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf[len..])).await {
                    Ok(Ok(0)) | Err(_) | Ok(Err(_)) => break,
                    Ok(Ok(n)) => len += n,
                }
            }
            let head = String::from_utf8_lossy(&buf[..len]);
            let target = head.split_whitespace().nth(1).unwrap_or("").to_string();
            let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
            if !matches!(path, "/callback" | "/not-registered" | "/refused") {
                let _ = stream
                    .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                continue;
            }
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{PAGE}",
                PAGE.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            return Ok(Arrival {
                path: path.to_string(),
                query: url::form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
            });
        }
    }
}
