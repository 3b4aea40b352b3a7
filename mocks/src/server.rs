//! Starting and stopping a mock server: bind a loopback port (or take a bound listener), serve an axum router on it
//! over HTTP or HTTPS, and hand back its base URL and a handle that shuts it down (gracefully, waiting for in-flight
//! requests).
//!
//! A mock faces whatever a partner system (or a hostile tester) sends, so every connection is bounded
//! ([`ServerLimits`]): a TLS handshake, the first request head, and every later HTTP/1.1 request head (or the idle
//! gap before it) each get a deadline; a connection on which nothing moves and no request is in progress is closed
//! after an idle timeout (HTTP/2 included, which hyper does not time on its own); a request must be answered within a
//! request timeout; and the number of open connections is capped (beyond it the server stops accepting until one
//! closes, so the kernel's backlog holds the rest). [`Running::stats`] counts what happened, for tests.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::tls::MockCa;

/// How long [`Running::shutdown`] waits for open connections to close.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// HTTP/2 streams one connection may have open at once.
const MAX_CONCURRENT_STREAMS: u32 = 100;

/// What one client may hold of a mock server, and for how long.
#[derive(Debug, Clone)]
pub struct ServerLimits {
    /// From accept (or the end of the TLS handshake) to a complete first request head; on HTTP/1.1 also the time a
    /// kept-alive connection may wait for, and take to send, each following request head.
    pub header_read_timeout: Duration,
    /// From accept to the end of the TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// A connection with no request in progress and no byte read or written for this long is closed (after its
    /// first request; before it, `header_read_timeout` applies).
    pub idle_timeout: Duration,
    /// Reading a whole request body, for the handlers that read one (the provider's): a body that has not arrived by
    /// then is refused with 408.
    pub body_read_timeout: Duration,
    /// From a complete request head to the response head, whatever the handler does (a backstop above
    /// `body_read_timeout`); the client then gets 408 and the connection is closed.
    pub request_timeout: Duration,
    /// Connections open at once; beyond this the server accepts no more until one closes.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
            max_connections: 512,
        }
    }
}

/// Counters of a running server's connections, for tests and diagnostics.
#[derive(Debug, Default)]
pub struct ServerStats {
    accepted: AtomicU64,
    open: AtomicUsize,
    peak_open: AtomicUsize,
    timed_out: AtomicU64,
    saturated: AtomicU64,
    requests: AtomicU64,
}

impl ServerStats {
    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// The most connections that were ever open at once.
    pub fn peak_open(&self) -> usize {
        self.peak_open.load(Ordering::SeqCst)
    }

    /// Connections the server closed because a deadline passed: the TLS handshake, the first request head, or
    /// idleness. (HTTP/1.1 request heads after the first are timed by hyper itself and not counted here.)
    pub fn timed_out(&self) -> u64 {
        self.timed_out.load(Ordering::SeqCst)
    }

    /// Times the accept loop found every connection slot taken and waited for one.
    pub fn saturated(&self) -> u64 {
        self.saturated.load(Ordering::SeqCst)
    }

    /// Requests handed to the router so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Counts a connection open until the returned guard is dropped.
    fn opened(self: &Arc<Self>) -> OpenGuard {
        self.accepted.fetch_add(1, Ordering::SeqCst);
        let now = self.open.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak_open.fetch_max(now, Ordering::SeqCst);
        OpenGuard(self.clone())
    }
}

struct OpenGuard(Arc<ServerStats>);

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A running mock server.
#[derive(Debug)]
pub struct Running {
    /// `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` when served with TLS (no trailing slash).
    pub base_url: String,
    pub addr: SocketAddr,
    /// The PEM certificate of the CA that signed the server's certificate, when served over HTTPS.
    pub ca_pem: Option<String>,
    stats: Arc<ServerStats>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// The server's connection counters.
    pub fn stats(&self) -> Arc<ServerStats> {
        self.stats.clone()
    }

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
/// returned handle is shut down or dropped; with the default [`ServerLimits`].
pub async fn spawn_on(
    listener: impl IntoListener,
    router: axum::Router,
    tls: Option<&MockCa>,
) -> std::io::Result<Running> {
    spawn_with(listener, router, tls, ServerLimits::default()).await
}

/// [`spawn_on`] with explicit [`ServerLimits`] (tests shorten the timeouts to see them act).
pub async fn spawn_with(
    listener: impl IntoListener,
    router: axum::Router,
    tls: Option<&MockCa>,
    limits: ServerLimits,
) -> std::io::Result<Running> {
    let listener = listener.into_listener()?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let stats = Arc::new(ServerStats::default());
    let acceptor = tls.map(|ca| tokio_rustls::TlsAcceptor::from(ca.server_config()));
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let task = tokio::spawn(serve(listener, router, acceptor, Arc::new(limits), stats.clone(), rx));
    Ok(Running {
        base_url: format!("{scheme}://{addr}"),
        addr,
        ca_pem: tls.map(|ca| ca.ca_pem().to_string()),
        stats,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The accept loop: one task per connection (a TLS handshake first when serving HTTPS, then HTTP/1.1 or HTTP/2 by
/// hyper, ALPN or prior knowledge), each holding one of `max_connections` slots. On shutdown it stops accepting,
/// asks every connection to close gracefully and waits until all of them have.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    limits: Arc<ServerLimits>,
    stats: Arc<ServerStats>,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    // Semaphore::MAX_PERMITS is far above any sensible cap; clamping keeps the u32 below exact.
    let slots_total = limits.max_connections.clamp(1, 1 << 20);
    let slots = Arc::new(Semaphore::new(slots_total));
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS);
    loop {
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                stats.saturated.fetch_add(1, Ordering::SeqCst);
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        // Never closed while this loop runs.
                        Err(_) => break,
                    },
                    _ = &mut stop => break,
                }
            }
        };
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
        tokio::spawn(connection(Conn {
            tcp,
            acceptor: acceptor.clone(),
            router: router.clone(),
            builder: builder.clone(),
            limits: limits.clone(),
            stats: stats.clone(),
            closing: closing_rx.clone(),
            slot,
        }));
    }
    drop(listener);
    let _ = closing_tx.send(true);
    // Each connection holds its slot until its task ends: having every slot back means every connection is closed.
    let _ = slots.acquire_many(u32::try_from(slots_total).unwrap_or(u32::MAX)).await;
    Ok(())
}

/// One accepted connection and what serving it needs.
struct Conn {
    tcp: TcpStream,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    router: axum::Router,
    builder: auto::Builder<TokioExecutor>,
    limits: Arc<ServerLimits>,
    stats: Arc<ServerStats>,
    closing: watch::Receiver<bool>,
    slot: OwnedSemaphorePermit,
}

async fn connection(c: Conn) {
    let Conn {
        tcp,
        acceptor,
        router,
        builder,
        limits,
        stats,
        mut closing,
        slot,
    } = c;
    // Both live until the connection is done: the slot lets the accept loop take another, the guard counts it.
    let _slot = slot;
    let _open = stats.opened();
    let activity = Arc::new(Activity::new(stats.clone(), limits.request_timeout));
    let io = Watched {
        io: tcp,
        activity: activity.clone(),
    };
    // Per connection, so the middleware knows which connection a request is on (hyper gives handlers no handle).
    let service = TowerToHyperService::new(router.layer(middleware::from_fn_with_state(activity.clone(), track)));
    match acceptor {
        None => drive(io, service, &builder, &activity, &limits, &stats, &mut closing).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(limits.tls_handshake_timeout, acceptor.accept(io));
            let stream = tokio::select! {
                done = handshake => match done {
                    Ok(Ok(stream)) => stream,
                    // A client that does not trust the CA aborts the handshake; that is its business, not the server's.
                    Ok(Err(_)) => return,
                    Err(_) => {
                        stats.timed_out.fetch_add(1, Ordering::SeqCst);
                        return;
                    }
                },
                _ = closing.changed() => return,
            };
            activity.restart();
            drive(stream, service, &builder, &activity, &limits, &stats, &mut closing).await;
        }
    }
}

/// Serves HTTP on an established connection until it ends, the server shuts down, or the connection outstays a
/// deadline ([`Activity::deadline`]). Closing is graceful first (HTTP/2 GOAWAY; HTTP/1.1 at once when idle, else
/// after the response in progress); a connection still open [`SHUTDOWN_GRACE`] later is dropped, since a peer
/// that never reads could otherwise hold a graceful close forever.
async fn drive<I>(
    io: I,
    service: TowerToHyperService<axum::Router>,
    builder: &auto::Builder<TokioExecutor>,
    activity: &Activity,
    limits: &ServerLimits,
    stats: &ServerStats,
    closing: &mut watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    let mut hard_stop: Option<Instant> = None;
    loop {
        let wake = hard_stop.unwrap_or_else(|| activity.deadline(limits));
        tokio::select! {
            _ = conn.as_mut() => return,
            // A request ended: the deadline may now be earlier (the idle timeout after the first request), so look
            // again rather than sleep on to the old one.
            () = activity.ended.notified() => {}
            // Also fires when the accept loop is gone (its sender dropped): close then too.
            _ = closing.changed(), if hard_stop.is_none() => {
                conn.as_mut().graceful_shutdown();
                hard_stop = Some(Instant::now() + SHUTDOWN_GRACE);
            }
            () = tokio::time::sleep_until(wake) => {
                if hard_stop.is_some() {
                    return;
                }
                // The deadline may have moved while asleep (bytes arrived, a request started): look again.
                if activity.deadline(limits) <= Instant::now() {
                    stats.timed_out.fetch_add(1, Ordering::SeqCst);
                    conn.as_mut().graceful_shutdown();
                    hard_stop = Some(Instant::now() + SHUTDOWN_GRACE);
                }
            }
        }
    }
}

/// What a connection has been doing, in milliseconds since it was accepted: when bytes last moved, when it last had
/// no request in progress, how many requests it has carried and has in progress.
struct Activity {
    epoch: Instant,
    stats: Arc<ServerStats>,
    request_timeout: Duration,
    free_since: AtomicU64,
    last_io: AtomicU64,
    in_flight: AtomicUsize,
    requests: AtomicU64,
    /// Signalled when a request ends.
    ended: Notify,
}

impl Activity {
    fn new(stats: Arc<ServerStats>, request_timeout: Duration) -> Activity {
        Activity {
            epoch: Instant::now(),
            stats,
            request_timeout,
            free_since: AtomicU64::new(0),
            last_io: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            ended: Notify::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn at(&self, ms: u64) -> Instant {
        self.epoch + Duration::from_millis(ms)
    }

    /// Bytes moved.
    fn touch(&self) {
        self.last_io.store(self.now_ms(), Ordering::SeqCst);
    }

    /// The TLS handshake is done: the wait for the first request starts now.
    fn restart(&self) {
        let now = self.now_ms();
        self.free_since.store(now, Ordering::SeqCst);
        self.last_io.store(now, Ordering::SeqCst);
    }

    /// A request reached the router; the returned guard ends it (also when the client goes away mid-request and
    /// hyper drops the handler).
    fn begin(self: &Arc<Self>) -> Busy {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.stats.requests.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }

    /// When the connection is to be closed if nothing changes: `header_read_timeout` after it became free when it
    /// has carried no request yet, `idle_timeout` after the later of that and the last byte moved otherwise. A
    /// request in progress is bounded by `request_timeout` instead; the connection is looked at again later.
    fn deadline(&self, limits: &ServerLimits) -> Instant {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return Instant::now() + limits.idle_timeout.max(limits.header_read_timeout);
        }
        let free = self.free_since.load(Ordering::SeqCst);
        if self.requests.load(Ordering::SeqCst) == 0 {
            self.at(free) + limits.header_read_timeout
        } else {
            self.at(free.max(self.last_io.load(Ordering::SeqCst))) + limits.idle_timeout
        }
    }
}

struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        // Free from now on; stored before the count drops so the watchdog never sees a stale `free_since`.
        self.0.free_since.store(self.0.now_ms(), Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        // notify_one keeps the signal until the watchdog next waits, so an end between two looks is not lost.
        self.0.ended.notify_one();
    }
}

/// Marks the connection busy while a request is handled, and answers 408 when the handler (reading the body
/// included) outlasts `request_timeout`.
async fn track(State(activity): State<Arc<Activity>>, req: Request, next: Next) -> Response {
    let _busy = activity.begin();
    match tokio::time::timeout(activity.request_timeout, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let description = format!(
                "the request was not completed within {} ms",
                activity.request_timeout.as_millis()
            );
            let mut r = status_info(StatusCode::REQUEST_TIMEOUT, "unknown", &description);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
    }
}

/// An imsx_StatusInfo error body, the 1EdTech REST error shape every mock answers with.
pub(crate) fn status_info(status: StatusCode, minor: &str, description: &str) -> Response {
    let body = serde_json::json!({
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {"imsx_codeMinorField": [
            {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
        ]},
    });
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// A connection's byte stream, noting in its [`Activity`] every time bytes move either way.
struct Watched<I> {
    io: I,
    activity: Arc<Activity>,
}

impl<I: AsyncRead + Unpin> AsyncRead for Watched<I> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Watched<I> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
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
