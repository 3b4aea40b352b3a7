//! The loopback redirect URI of an interactive login (RFC 8252 §7.3): the harness prints the authorization URL,
//! a person approves in a browser, and the browser comes back to `http://127.0.0.1:PORT/callback?code=…`.

use std::collections::HashMap;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A bound loopback listener waiting for authorization responses.
pub struct Callback {
    listener: TcpListener,
    pub redirect_uri: String,
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
        })
    }

    /// Waits for the browser to reach `/callback` and returns its query parameters.
    pub async fn wait(&self, timeout: Duration) -> Result<HashMap<String, String>, String> {
        tokio::time::timeout(timeout, self.accept_callback())
            .await
            .map_err(|_| {
                format!(
                    "no authorization response reached {} within {timeout:?}",
                    self.redirect_uri
                )
            })?
    }

    async fn accept_callback(&self) -> Result<HashMap<String, String>, String> {
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
            if path != "/callback" {
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
            return Ok(url::form_urlencoded::parse(query.as_bytes()).into_owned().collect());
        }
    }
}
