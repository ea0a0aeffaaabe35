//! `cargo xtask bench http`: the outbound HTTP layer — every request through the real `Upstream`
//! policy (breaker, concurrency cap, timeout, body read) and the one pooled client — against a fake
//! upstream on loopback answering a small JSON body after 0 ms and after 50 ms. Each row runs with
//! the pool (keep-alive) and without it (`pool_max_idle_per_host = 0`: a new TCP connection per
//! request), at 1 and at 16 callers, and reports requests/s, p50, p99 and TCP connections opened.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use clap::Args;
use http::StatusCode;
use soulspot_application::breaker::BreakerSettings;
use soulspot_application::health::HealthRegistry;
use soulspot_infrastructure::http::{
    HttpClient, HttpClientSettings, Upstream, UpstreamRequest, UpstreamSettings,
};
use soulspot_testkit::fake::{FakeRequest, FakeServer, json_response};

use super::report::{Latencies, milliseconds, with_thousands};

const LATENCIES_MS: [u64; 2] = [0, 50];
const CALLERS: [usize; 2] = [1, 16];

#[derive(Debug, Args)]
pub struct HttpBenchArgs {
    /// Requests per row at 0 ms latency (rows at 50 ms make a tenth as many, at least 100).
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(100..))]
    requests: u64,
}

struct Row {
    latency_ms: u64,
    pooled: bool,
    callers: usize,
    requests: u64,
    elapsed: Duration,
    latencies: Latencies,
    connections: u64,
}

pub async fn run(arguments: HttpBenchArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) {
        return super::rerun_in_release().await;
    }
    println!("## Outbound HTTP benchmark");
    println!();
    println!("{}", super::machine_line());
    println!();
    println!(
        "Every request goes through the `Upstream` policy and the shared hyper-util client to a \
         fake upstream on 127.0.0.1 (HTTP/1.1, a 60-byte JSON body), in this process; \"fresh\" \
         disables the pool's idle connections, so every request opens a TCP connection."
    );
    println!();
    println!(
        "| upstream latency | connections | callers | requests | req/s | p50 | p99 | TCP connections opened |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for latency_ms in LATENCIES_MS {
        let requests = if latency_ms == 0 {
            arguments.requests
        } else {
            (arguments.requests / 10).max(100)
        };
        for pooled in [true, false] {
            for callers in CALLERS {
                eprintln!("latency {latency_ms} ms, pooled {pooled}, {callers} callers");
                let row = measure(latency_ms, pooled, callers, requests)
                    .await
                    .with_context(|| {
                        format!("{latency_ms} ms, pooled {pooled}, {callers} callers")
                    })?;
                println!(
                    "| {} ms | {} | {} | {} | {} | {} | {} | {} |",
                    row.latency_ms,
                    if row.pooled { "pooled" } else { "fresh" },
                    row.callers,
                    with_thousands(row.requests),
                    with_thousands((row.requests as f64 / row.elapsed.as_secs_f64()).round() as u64),
                    milliseconds(row.latencies.percentile(50.0)),
                    milliseconds(row.latencies.percentile(99.0)),
                    with_thousands(row.connections),
                );
            }
        }
    }
    println!();
    Ok(ExitCode::SUCCESS)
}

async fn measure(
    latency_ms: u64,
    pooled: bool,
    callers: usize,
    requests: u64,
) -> anyhow::Result<Row> {
    let server = FakeServer::start(|request: &FakeRequest| {
        json_response(
            StatusCode::OK,
            &serde_json::json!({ "path": request.path, "ok": true }),
        )
    })
    .await;
    server
        .faults()
        .set_latency(Duration::from_millis(latency_ms));
    let client = HttpClient::new(&HttpClientSettings {
        pool_max_idle_per_host: if pooled { 8.max(callers) } else { 0 },
        ..HttpClientSettings::default()
    })?;
    let mut settings = UpstreamSettings::new("bench", server.url(), "SoulSpot-bench/1 ( bench )");
    settings.max_concurrency = callers;
    let health = HealthRegistry::new(std::sync::Arc::new(soulspot_infrastructure::SystemClock));
    let upstream = Upstream::new(
        client,
        settings,
        health.register_upstream("bench", false, BreakerSettings::default()),
    )?;
    // Warm-up: one round of requests from every caller at once, so pooled rows start with their
    // connections open and the table counts only what the measurement itself opened.
    let mut warm_up = tokio::task::JoinSet::new();
    for _ in 0..callers {
        let upstream = upstream.clone();
        warm_up.spawn(async move { upstream.send(UpstreamRequest::get("/warm-up")).await });
    }
    for result in warm_up.join_all().await {
        result?;
    }
    let connections_before = server.connections_accepted();
    let per_caller = requests.div_ceil(callers as u64);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for caller in 0..callers {
        let upstream = upstream.clone();
        tasks.spawn(async move {
            let mut samples = Vec::with_capacity(per_caller as usize);
            for index in 0..per_caller {
                let sent = Instant::now();
                let response = upstream
                    .send(UpstreamRequest::get(format!("/items/{caller}/{index}")))
                    .await?;
                samples.push(sent.elapsed());
                ensure!(
                    response.status == StatusCode::OK,
                    "status {}",
                    response.status
                );
            }
            anyhow::Ok(samples)
        });
    }
    let mut samples = Vec::new();
    for caller_samples in tasks.join_all().await {
        samples.extend(caller_samples?);
    }
    let elapsed = started.elapsed();
    Ok(Row {
        latency_ms,
        pooled,
        callers,
        requests: samples.len() as u64,
        elapsed,
        // Latencies sorts them; the statement count does not apply to HTTP calls.
        latencies: Latencies::new(samples, 0),
        connections: server.connections_accepted() - connections_before,
    })
}
