//! The reference provider's throughput over loopback: a Rust load generator (no external tool) sends a fixed
//! number of requests from concurrent clients, each with its own connection pool, to the discovery endpoint
//! (unauthenticated) and to getCredentials (a bearer token, a page of 10 from 200 stored credentials). Prints
//! requests per second and latency percentiles; asserts only that every answer was a 200, so a figure is never
//! made of refusals.
//!
//! Run: `cargo bench -p clr-mocks --bench provider` (env `BENCH_CLIENTS`, default 16; `BENCH_REQUESTS` per
//! endpoint, default 20,000).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use clr_mocks::faults::Faults;
use common::{H, vc};
use reqwest::StatusCode;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Sends `total` GETs of `url` from `clients` concurrent clients; the sorted latencies and the wall time.
async fn load(url: &str, token: Option<&str>, clients: usize, total: usize) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|k| {
            let url = url.to_string();
            let token = token.map(str::to_string);
            let share = total / clients + usize::from(k < total % clients);
            tokio::spawn(async move {
                let http = reqwest::Client::builder().no_proxy().build().expect("client");
                let mut latencies = Vec::with_capacity(share);
                for _ in 0..share {
                    let sent = Instant::now();
                    let mut request = http.get(&url);
                    if let Some(t) = &token {
                        request = request.bearer_auth(t);
                    }
                    let response = request.send().await.expect("request");
                    assert_eq!(response.status(), StatusCode::OK, "{url}");
                    response.bytes().await.expect("body");
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    for t in tasks {
        latencies.extend(t.await.expect("client task"));
    }
    let wall = started.elapsed();
    latencies.sort();
    (latencies, wall)
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    let i = (sorted.len().saturating_sub(1) * p) / 100;
    sorted.get(i).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn main() {
    let clients = env_or("BENCH_CLIENTS", 16).max(1);
    let requests = env_or("BENCH_REQUESTS", 20_000).max(clients);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let h = H::start(Faults::none()).await;
        let tokens = h.login().await;
        let credentials = h.url("/ims/ob/v3p0/credentials");
        for n in 0..200 {
            let body = vc(
                "https://issuer.example",
                &format!("urn:uuid:00000000-0000-4000-8000-{n:012}"),
                "2024-02-01T00:00:00Z",
            );
            let r = h
                .http
                .post(&credentials)
                .bearer_auth(&tokens.access)
                .json(&body)
                .send()
                .await
                .expect("upsert");
            assert_eq!(r.status(), StatusCode::CREATED, "seed credential {n}");
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "reference provider on loopback, {cores} cores shared by server and load generator, {clients} clients, \
             {requests} requests per endpoint"
        );
        let endpoints = [
            ("discovery", h.url("/ims/ob/v3p0/discovery"), None),
            (
                "getCredentials (limit=10 of 200)",
                format!("{credentials}?limit=10&offset=20"),
                Some(tokens.access.as_str()),
            ),
        ];
        for (name, url, token) in &endpoints {
            // A short warm-up, so connection set-up is not what is measured.
            load(url, *token, clients, clients * 4).await;
            let (latencies, wall) = load(url, *token, clients, requests).await;
            println!(
                "  {name}: {:.0} req/s ({} requests in {:.2} s), latency p50 {:.2} ms, p99 {:.2} ms",
                latencies.len() as f64 / wall.as_secs_f64(),
                latencies.len(),
                wall.as_secs_f64(),
                percentile(&latencies, 50),
                percentile(&latencies, 99),
            );
        }
    });
}
