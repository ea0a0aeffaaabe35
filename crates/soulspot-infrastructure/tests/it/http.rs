//! The outbound HTTP layer against a real loopback server: one pooled connection for sequential
//! calls, the per-host cap under concurrency, retries that honour `Retry-After` in both forms,
//! non-idempotent requests never repeated, a 429 pausing every call to the upstream, a long ban
//! failing fast, the breaker opening and failing fast, and bodies that are too large.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::StatusCode;
use soulspot_application::breaker::{BreakerSettings, BreakerState};
use soulspot_application::health::HealthRegistry;
use soulspot_infrastructure::http::{
    HttpClient, HttpClientSettings, RetrySettings, Upstream, UpstreamError, UpstreamRequest,
    UpstreamSettings,
};
use soulspot_testkit::fake::{FakeRequest, FakeResponse, FakeServer, Fault, json_response};

fn echo(request: &FakeRequest) -> FakeResponse {
    json_response(
        StatusCode::OK,
        &serde_json::json!({ "path": request.path, "method": request.method.as_str() }),
    )
}

fn client() -> HttpClient {
    HttpClient::new(&HttpClientSettings::default()).unwrap()
}

fn settings(server: &FakeServer) -> UpstreamSettings {
    let mut settings = UpstreamSettings::new("test", server.url(), "SoulSpot-test/1 ( tests )");
    settings.retry = RetrySettings {
        max_retries: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_wait: Duration::from_secs(10),
    };
    settings
}

/// An upstream whose breaker opens after 10 consecutive failures.
fn upstream(server: &FakeServer, settings: UpstreamSettings) -> (Upstream, HealthRegistry) {
    upstream_with_breaker(server, settings, 10)
}

fn upstream_with_breaker(
    server: &FakeServer,
    settings: UpstreamSettings,
    failure_threshold: u32,
) -> (Upstream, HealthRegistry) {
    let health = HealthRegistry::new(std::sync::Arc::new(soulspot_infrastructure::SystemClock));
    let handle = health.register_upstream(
        settings.name.clone(),
        false,
        BreakerSettings {
            failure_threshold,
            cool_down: Duration::from_secs(60),
            half_open_probes: 1,
        },
    );
    let _ = server;
    (Upstream::new(client(), settings, handle).unwrap(), health)
}

#[tokio::test]
async fn a_thousand_sequential_calls_use_one_connection() {
    let server = FakeServer::start(echo).await;
    let (upstream, _) = upstream(&server, settings(&server));
    for index in 0..1_000 {
        let response = upstream
            .send(UpstreamRequest::get(format!("/items/{index}")))
            .await
            .unwrap();
        assert_eq!(response.status, StatusCode::OK);
    }
    assert_eq!(server.requests().len(), 1_000);
    assert_eq!(server.connections_accepted(), 1);
    assert_eq!(
        server.requests()[0].header("user-agent"),
        Some("SoulSpot-test/1 ( tests )")
    );
}

#[tokio::test]
async fn concurrent_calls_never_exceed_the_per_host_cap() {
    let server = FakeServer::start(echo).await;
    server.faults().set_latency(Duration::from_millis(20));
    let mut settings = settings(&server);
    settings.max_concurrency = 4;
    let (upstream, _) = upstream(&server, settings);
    let mut calls = tokio::task::JoinSet::new();
    for index in 0..100 {
        let upstream = upstream.clone();
        calls.spawn(async move {
            upstream
                .send(UpstreamRequest::get(format!("/{index}")))
                .await
        });
    }
    for result in calls.join_all().await {
        assert_eq!(result.unwrap().status, StatusCode::OK);
    }
    assert_eq!(server.requests().len(), 100);
    assert!(server.peak_in_flight() <= 4, "{}", server.peak_in_flight());
    assert_eq!(server.peak_in_flight(), 4, "the cap is also reached");
    assert!(
        server.connections_accepted() <= 4,
        "{} connections",
        server.connections_accepted()
    );
}

#[tokio::test]
async fn retry_after_in_seconds_and_as_a_date_is_waited_out() {
    let server = FakeServer::start(echo).await;
    let (upstream, _) = upstream(&server, settings(&server));

    server.faults().next(1, Fault::retry_after(503, "1"));
    let started = Instant::now();
    let response = upstream.send(UpstreamRequest::get("/a")).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 2);

    // An HTTP-date two seconds ahead: at least one second must pass (the date has whole seconds).
    let date = (chrono::Utc::now() + chrono::Duration::seconds(2))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    server.faults().next(1, Fault::retry_after(429, &date));
    let started = Instant::now();
    let response = upstream.send(UpstreamRequest::get("/b")).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_post_is_not_retried_blindly_but_a_get_is() {
    let server = FakeServer::start(echo).await;
    let (upstream, _) = upstream(&server, settings(&server));
    server.faults().next(1, Fault::status(502));
    let error = upstream
        .send(UpstreamRequest::new(http::Method::POST, "/enqueue"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, UpstreamError::Status { status: 502, .. }),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1, "the POST went out once");

    server.faults().next(1, Fault::Disconnect);
    let error = upstream
        .send(UpstreamRequest::new(http::Method::POST, "/enqueue"))
        .await
        .unwrap_err();
    assert!(matches!(error, UpstreamError::Transport { .. }), "{error}");
    assert_eq!(server.requests().len(), 2);

    server.faults().next(2, Fault::status(502));
    let response = upstream.send(UpstreamRequest::get("/list")).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(server.requests().len(), 5, "two failures, then the answer");

    // A POST the client marks idempotent is retried.
    server.faults().next(1, Fault::status(503));
    let response = upstream
        .send(UpstreamRequest::new(http::Method::POST, "/searches").idempotent(true))
        .await
        .unwrap();
    assert_eq!(response.status, StatusCode::OK);
}

#[tokio::test]
async fn a_429_pauses_every_call_and_a_long_ban_fails_fast() {
    let server = FakeServer::start(echo).await;
    let (upstream, health) = upstream(&server, settings(&server));
    // One call meets a 429 asking for a second; a concurrent call must not go out meanwhile.
    server.faults().next(1, Fault::retry_after(429, "1"));
    let first = {
        let upstream = upstream.clone();
        tokio::spawn(async move { upstream.send(UpstreamRequest::get("/first")).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let second = upstream
        .send(UpstreamRequest::get("/second"))
        .await
        .unwrap();
    assert_eq!(second.status, StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "the second call waited for the pause: {:?}",
        started.elapsed()
    );
    assert_eq!(first.await.unwrap().unwrap().status, StatusCode::OK);

    // A day-long ban: the call fails at once as rate limited, and so does the next one, without
    // another request; health shows it.
    server.faults().next(1, Fault::retry_after(429, "86400"));
    let before = server.requests().len();
    let started = Instant::now();
    let error = upstream
        .send(UpstreamRequest::get("/banned"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, UpstreamError::RateLimited { retry_in, .. } if retry_in > Duration::from_secs(86_000)),
        "{error}"
    );
    let again = upstream
        .send(UpstreamRequest::get("/again"))
        .await
        .unwrap_err();
    assert!(
        matches!(again, UpstreamError::RateLimited { .. }),
        "{again}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.requests().len(), before + 1, "no hot retry loop");
    let component = &health.snapshot()[0];
    assert!(
        component
            .last_error
            .as_ref()
            .is_some_and(|error| error.message.contains("429")),
        "{component:?}"
    );
    assert_eq!(
        component.breaker,
        Some(BreakerState::Closed),
        "being throttled is not being down"
    );
}

#[tokio::test]
async fn the_breaker_opens_after_failures_and_then_fails_fast() {
    let server = FakeServer::start(echo).await;
    let mut settings = settings(&server);
    settings.retry.max_retries = 0;
    let (upstream, health) = upstream_with_breaker(&server, settings, 3);
    server.faults().next(3, Fault::status(500));
    for _ in 0..3 {
        let error = upstream.send(UpstreamRequest::get("/x")).await.unwrap_err();
        assert!(
            matches!(error, UpstreamError::Status { status: 500, .. }),
            "{error}"
        );
    }
    let error = upstream.send(UpstreamRequest::get("/x")).await.unwrap_err();
    assert!(
        matches!(error, UpstreamError::CircuitOpen { .. }),
        "{error}"
    );
    assert_eq!(server.requests().len(), 3, "the open breaker sent nothing");
    assert_eq!(health.snapshot()[0].breaker, Some(BreakerState::Open));
}

#[tokio::test]
async fn a_down_server_is_a_transport_error_and_a_large_body_is_refused() {
    let server = FakeServer::start(|_: &FakeRequest| {
        json_response(
            StatusCode::OK,
            &serde_json::json!({ "blob": "x".repeat(4096) }),
        )
    })
    .await;
    let mut settings = settings(&server);
    settings.max_body_bytes = 1024;
    settings.retry.max_retries = 1;
    let (upstream, _) = upstream(&server, settings);
    let error = upstream
        .send(UpstreamRequest::get("/big"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, UpstreamError::TooLarge { limit: 1024, .. }),
        "{error}"
    );

    server.go_down();
    let error = upstream
        .send(UpstreamRequest::get("/down"))
        .await
        .unwrap_err();
    assert!(matches!(error, UpstreamError::Transport { .. }), "{error}");
}

#[tokio::test]
async fn redirects_of_a_get_are_followed_to_another_path() {
    let server = Arc::new(
        FakeServer::start(|request: &FakeRequest| {
            if request.path == "/front" {
                soulspot_testkit::fake::redirect_response(
                    StatusCode::TEMPORARY_REDIRECT,
                    "/images/1.jpg",
                )
            } else {
                echo(request)
            }
        })
        .await,
    );
    let (upstream, _) = upstream(&server, settings(&server));
    let response = upstream.send(UpstreamRequest::get("/front")).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.url.ends_with("/images/1.jpg"), "{}", response.url);
    assert_eq!(
        response.json::<serde_json::Value>().unwrap()["path"],
        "/images/1.jpg"
    );
}

#[tokio::test]
async fn credentials_follow_a_redirect_only_within_the_origin() {
    let elsewhere = Arc::new(FakeServer::start(echo).await);
    let target = format!("{}/file.jpg", elsewhere.url());
    let server = FakeServer::start(move |request: &FakeRequest| match request.path.as_str() {
        "/away" => soulspot_testkit::fake::redirect_response(StatusCode::FOUND, &target),
        "/here" => soulspot_testkit::fake::redirect_response(StatusCode::FOUND, "/landed"),
        _ => echo(request),
    })
    .await;
    let (upstream, _) = upstream(&server, settings(&server));
    let with_key = |target: &str| {
        UpstreamRequest::get(target)
            .header(http::header::AUTHORIZATION, "Bearer secret-token")
            .header(http::HeaderName::from_static("x-api-key"), "secret-key")
    };
    upstream.send(with_key("/here")).await.unwrap();
    let landed = server.requests_to("/landed");
    assert_eq!(
        landed[0].header("authorization"),
        Some("Bearer secret-token")
    );
    assert_eq!(landed[0].header("x-api-key"), Some("secret-key"));

    upstream.send(with_key("/away")).await.unwrap();
    let foreign = elsewhere.requests_to("/file.jpg");
    assert_eq!(foreign.len(), 1);
    assert_eq!(foreign[0].header("authorization"), None);
    assert_eq!(foreign[0].header("x-api-key"), None);
    assert!(foreign[0].header("user-agent").is_some());
}

/// The policy's metrics, read back through a Prometheus recorder installed for this test's
/// process (nextest runs every test in its own process, so the global recorder is this test's).
#[tokio::test]
async fn calls_retries_waits_and_cache_results_are_counted_per_upstream() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::set_global_recorder(recorder).unwrap();

    let server = FakeServer::start(echo).await;
    let mut settings = settings(&server);
    settings.name = "metered".into();
    settings.rate_limit = soulspot_infrastructure::http::RateLimitSettings::per_second(50.0, 1);
    let (upstream, _) = upstream(&server, settings);
    server.faults().next(1, Fault::status(503));
    for index in 0..3 {
        upstream
            .send(UpstreamRequest::get(format!("/{index}")))
            .await
            .unwrap();
    }
    let cache = soulspot_infrastructure::upstreams::cache::LookupCache::<u8, Vec<u8>>::new(
        "metered.lookup",
        soulspot_infrastructure::upstreams::cache::CacheSettings::new(
            10,
            Duration::from_secs(60),
            Duration::from_secs(60),
        ),
        Vec::is_empty,
    );
    for _ in 0..2 {
        cache
            .get_or_fetch(1, || async { Ok(vec![1]) })
            .await
            .unwrap();
    }

    let text = handle.render();
    let line = |prefix: &str| {
        text.lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in\n{text}"))
            .to_owned()
    };
    assert!(line("upstream_requests_total{upstream=\"metered\",outcome=\"ok\"}").ends_with(" 3"));
    assert!(
        line("upstream_requests_total{upstream=\"metered\",outcome=\"server_error\"}")
            .ends_with(" 1")
    );
    assert!(line("upstream_retries_total{upstream=\"metered\"}").ends_with(" 1"));
    line("upstream_request_duration_seconds_count{upstream=\"metered\"}");
    line("upstream_rate_limit_wait_seconds_count{upstream=\"metered\"}");
    assert!(line("upstream_cache_total{cache=\"metered.lookup\",result=\"miss\"}").ends_with(" 1"));
    assert!(line("upstream_cache_total{cache=\"metered.lookup\",result=\"hit\"}").ends_with(" 1"));
}

/// The same on paused time: the fake runs on this test's single-threaded runtime, so every wait
/// is either on loopback I/O that is already ready or on a timer the paused clock jumps to.
/// Retry-After of 300 s (seconds form) and 40 s ahead (HTTP-date) are waited out exactly.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn retry_after_is_waited_out_exactly_on_paused_time() {
    let server = FakeServer::start(echo).await;
    let mut settings = settings(&server);
    settings.retry.max_wait = Duration::from_secs(600);
    settings.request_timeout = Duration::from_secs(3_600);
    let (upstream, _) = upstream(&server, settings);

    server.faults().next(1, Fault::retry_after(503, "300"));
    let started = tokio::time::Instant::now();
    let response = upstream.send(UpstreamRequest::get("/a")).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(300) && waited < Duration::from_secs(301),
        "{waited:?}"
    );

    let date = (chrono::Utc::now() + chrono::Duration::seconds(40))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    server.faults().next(1, Fault::retry_after(429, &date));
    let started = tokio::time::Instant::now();
    let response = upstream.send(UpstreamRequest::get("/b")).await.unwrap();
    assert_eq!(response.status, StatusCode::OK);
    let waited = started.elapsed();
    // The date has whole seconds and the wall clock moved on while the request was made.
    assert!(
        waited >= Duration::from_secs(38) && waited <= Duration::from_secs(40),
        "{waited:?}"
    );
    assert_eq!(server.requests().len(), 4);
}
