//! Starting and stopping a mock server: bind an ephemeral loopback port, serve an axum router on it, and hand back
//! its base URL and a handle that shuts it down (gracefully, waiting for in-flight requests).

use std::net::SocketAddr;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running mock server.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base_url: String,
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Stops the server and waits for it to finish.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A dropped handle stops its server too, so a failing test never leaves one behind.
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves `router` on `127.0.0.1:port` (0 = an ephemeral port) until the returned handle is shut down or dropped.
pub async fn spawn(router: axum::Router, port: u16) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await
    });
    Ok(Running {
        base_url: format!("http://{addr}"),
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_on_loopback_and_shuts_down() {
        let router = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
        let running = spawn(router, 0).await.expect("binds");
        assert!(running.base_url.starts_with("http://127.0.0.1:"));
        let body = reqwest::get(format!("{}/ping", running.base_url))
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        assert_eq!(body, "pong");
        let url = running.base_url.clone();
        running.shutdown().await.expect("stops");
        assert!(
            reqwest::get(format!("{url}/ping")).await.is_err(),
            "nothing listens after shutdown"
        );
    }
}
