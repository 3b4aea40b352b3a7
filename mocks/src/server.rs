//! Starting and stopping a mock server: bind a loopback port (or take a bound listener), serve an axum router on it
//! over HTTP or HTTPS, and hand back its base URL and a handle that shuts it down (gracefully, waiting for in-flight
//! requests).

use std::net::SocketAddr;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::tls::MockCa;

/// Time a client gets to complete the TLS handshake before its connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`Running::shutdown`] waits for open connections to close.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// A running mock server.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` when served with TLS (no trailing slash).
    pub base_url: String,
    pub addr: SocketAddr,
    /// The PEM certificate of the CA that signed the server's certificate, when served over HTTPS.
    pub ca_pem: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Stops the server and waits for it to finish: open connections get [`SHUTDOWN_GRACE`] to close, then the
    /// server is aborted, so a client that keeps an idle connection open cannot hold the shutdown forever.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(joined) => joined.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            Err(_) => {
                task.abort();
                Ok(())
            }
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

/// A bound listener [`spawn_on`] can serve on: a tokio or a std one (made non-blocking here).
pub trait IntoListener {
    fn into_listener(self) -> std::io::Result<TcpListener>;
}

impl IntoListener for TcpListener {
    fn into_listener(self) -> std::io::Result<TcpListener> {
        Ok(self)
    }
}

impl IntoListener for std::net::TcpListener {
    fn into_listener(self) -> std::io::Result<TcpListener> {
        self.set_nonblocking(true)?;
        TcpListener::from_std(self)
    }
}

/// Binds `127.0.0.1:port` (0 = an ephemeral port). Bind first when something must know the address before the
/// router exists (the issuer's ids name its port), then [`spawn_on`] the same listener: no port is released between.
pub async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port)).await
}

/// Serves `router` over HTTP on `127.0.0.1:port` (0 = an ephemeral port) until the returned handle is shut down or
/// dropped.
pub async fn spawn(router: axum::Router, port: u16) -> std::io::Result<Running> {
    spawn_on(bind(port).await?, router, None).await
}

/// Serves `router` on an already-bound `listener`, over HTTPS with a certificate from `tls` when given, until the
/// returned handle is shut down or dropped.
pub async fn spawn_on(
    listener: impl IntoListener,
    router: axum::Router,
    tls: Option<&MockCa>,
) -> std::io::Result<Running> {
    let listener = listener.into_listener()?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let (scheme, ca_pem, task) = match tls {
        None => {
            let task = tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                    })
                    .await
            });
            ("http", None, task)
        }
        Some(ca) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(ca.server_config());
            let task = tokio::spawn(serve_tls(listener, router, acceptor, rx));
            ("https", Some(ca.ca_pem().to_string()), task)
        }
    };
    Ok(Running {
        base_url: format!("{scheme}://{addr}"),
        addr,
        ca_pem,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The HTTPS accept loop: a TLS handshake per connection, then HTTP/1.1 or HTTP/2 (ALPN) by hyper. On shutdown it
/// stops accepting and waits for open connections to finish their requests.
async fn serve_tls(
    listener: TcpListener,
    router: axum::Router,
    acceptor: tokio_rustls::TlsAcceptor,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let builder = auto::Builder::new(TokioExecutor::new());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            // Per-connection failures (a reset before accept, too many open files) must not end the server.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let service = TowerToHyperService::new(router.clone());
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // A client that does not trust the CA aborts the handshake; that is its business, not the server's.
            let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
                return;
            };
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            let _ = watcher.watch(connection).await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
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

    #[tokio::test]
    async fn serves_https_with_the_generated_ca_on_a_bound_std_listener() {
        let ca = MockCa::generate().expect("CA");
        let router = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        let port = std_listener.local_addr().expect("addr").port();
        let running = spawn_on(std_listener, router, Some(&ca)).await.expect("serves");
        assert_eq!(running.base_url, format!("https://127.0.0.1:{port}"));
        assert_eq!(running.ca_pem.as_deref(), Some(ca.ca_pem()));
        assert!(ca.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));

        let cert = reqwest::Certificate::from_pem(ca.ca_pem().as_bytes()).expect("PEM");
        let trusting = reqwest::Client::builder()
            .no_proxy()
            .tls_certs_merge([cert])
            .build()
            .expect("client");
        for url in [
            format!("{}/ping", running.base_url),
            format!("https://localhost:{port}/ping"),
        ] {
            let response = trusting.get(&url).send().await.expect("https get");
            assert_eq!(response.version(), reqwest::Version::HTTP_2, "ALPN h2 for {url}");
            assert_eq!(response.text().await.expect("body"), "pong");
        }

        let untrusting = reqwest::Client::builder().no_proxy().build().expect("client");
        let err = untrusting
            .get(format!("{}/ping", running.base_url))
            .send()
            .await
            .expect_err("an unknown CA is refused");
        let chain = std::iter::successors(Some(&err as &dyn std::error::Error), |e| e.source())
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ");
        assert!(chain.contains("certificate"), "{chain}");
        // The server survives clients that abort the handshake.
        assert_eq!(
            trusting
                .get(format!("{}/ping", running.base_url))
                .send()
                .await
                .expect("get")
                .status(),
            200
        );
        running.shutdown().await.expect("stops");
    }
}
